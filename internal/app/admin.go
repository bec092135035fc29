package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/orgstack/orgstack/internal/organizations"
	"github.com/orgstack/orgstack/internal/store"
)

// adminHandler serves orgstack's own endpoints:
//
//	GET  /_orgstack/health   200 {"status":"ready",...} once serving; 503 {"status":"seeding",...} while --seed runs
//	POST /_orgstack/reset    wipe all state
//	POST /moto-api/reset     the same, for suites written for moto's server
//	GET  /_orgstack/state    export a snapshot of the whole state (state.go)
//	PUT  /_orgstack/state    import a snapshot, replacing the whole state (POST too)
//	GET  /_orgstack/clock    the clock: {"now":...,"offsetSeconds":...}
//	POST /_orgstack/clock    {"advance":"36h"} moves it forward (needs --clock-control)
//	GET  /_orgstack/organizations                           every organization
//	GET  /_orgstack/organizations/{id}/trusted-services     trusted services of one
//	POST /_orgstack/auditmanager/collect  {"assessmentId":...} collect Audit Manager evidence now (every active assessment without an id)
func (m *Main) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_orgstack/organizations", func(w http.ResponseWriter, r *http.Request) {
		orgs, err := m.Organizations.Organizations(r.Context())
		if err != nil {
			m.adminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"organizations": orgs})
	})
	mux.HandleFunc("GET /_orgstack/organizations/{id}/trusted-services", func(w http.ResponseWriter, r *http.Request) {
		views, err := m.Organizations.TrustedServices(r.Context(), r.PathValue("id"))
		if errors.Is(err, organizations.ErrNoSuchOrganization) {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "no organization " + r.PathValue("id")})
			return
		}
		if err != nil {
			m.adminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"organizationId": r.PathValue("id"), "services": views})
	})
	mux.HandleFunc("POST /_orgstack/auditmanager/collect", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			AssessmentID string `json:"assessmentId"`
		}
		if r.ContentLength != 0 {
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body: " + err.Error()})
				return
			}
		}
		n, err := m.AuditManager.CollectEvidence(r.Context(), in.AssessmentID)
		if err != nil {
			m.adminError(w, err)
			return
		}
		if in.AssessmentID != "" && n == 0 {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "no active assessment " + in.AssessmentID})
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"assessments": n})
	})
	mux.HandleFunc("GET /_orgstack/health", func(w http.ResponseWriter, r *http.Request) {
		if m.seeding.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "seeding", "version": Version, "memory": m.Config.Memory})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "version": Version, "memory": m.Config.Memory})
	})
	reset := func(w http.ResponseWriter, r *http.Request) {
		if !m.stateAllowed(w, r) {
			return
		}
		if err := m.wipeState(r); err != nil {
			m.Logger.Error("reset failed", "error", err)
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "reset failed"})
			return
		}
		m.Logger.Info("state reset")
		writeJSON(w, http.StatusOK, map[string]any{"status": "reset"})
	}
	mux.HandleFunc("POST /_orgstack/reset", reset)
	mux.HandleFunc("POST /moto-api/reset", reset)
	m.stateHandlers(mux)
	mux.HandleFunc("GET /_orgstack/clock", func(w http.ResponseWriter, r *http.Request) {
		m.writeClock(w)
	})
	mux.HandleFunc("POST /_orgstack/clock", func(w http.ResponseWriter, r *http.Request) {
		if !m.Config.ClockControl {
			writeJSON(w, http.StatusForbidden, map[string]any{"error": "clock control is disabled; start orgstack with --clock-control"})
			return
		}
		var req struct {
			Advance string `json:"advance"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body must be JSON like {\"advance\":\"36h\"}"})
			return
		}
		d, err := time.ParseDuration(req.Advance)
		if err != nil || d < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "advance must be a non-negative Go duration such as 36h or 15m"})
			return
		}
		m.Clock.Advance(d)
		if err := m.saveClock(r.Context()); err != nil {
			m.adminError(w, err)
			return
		}
		m.Jobs.Wake()
		m.writeClock(w)
	})
	return mux
}

func (m *Main) adminError(w http.ResponseWriter, err error) {
	m.Logger.Error("admin request failed", "error", err)
	writeJSON(w, http.StatusInternalServerError, map[string]any{"error": "internal error"})
}

func (m *Main) writeClock(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{
		"now":           m.Clock.Now().Format(time.RFC3339Nano),
		"offsetSeconds": m.Clock.Offset().Seconds(),
		"control":       m.Config.ClockControl,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// clockKey holds how far orgstack's clock runs ahead of the wall clock, so
// a restart keeps the time tests moved to.
const clockKey = "meta/clock-offset"

func (m *Main) loadClock(ctx context.Context) error {
	return m.Store.View(ctx, func(tx store.Tx) error {
		var d time.Duration
		err := store.GetJSON(tx, clockKey, &d)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		m.Clock.SetOffset(d)
		return err
	})
}

func (m *Main) saveClock(ctx context.Context) error {
	d := m.Clock.Offset()
	return m.Store.Update(ctx, func(tx store.Tx) error { return store.PutJSON(tx, clockKey, d) })
}
