package app

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/orgstack/orgstack/internal/auth"
	"github.com/orgstack/orgstack/internal/snapshot"
	"github.com/orgstack/orgstack/internal/store"
)

// maxSnapshotBytes bounds an imported snapshot (as sent, compressed or
// not).
const maxSnapshotBytes = 1 << 30

// stateHandlers adds the state endpoints to mux:
//
//	GET      /_orgstack/state   export a snapshot (JSON Lines)
//	PUT|POST /_orgstack/state   import a snapshot, replacing the whole state
//
// They and the reset endpoints are guarded by stateAllowed.
func (m *Main) stateHandlers(mux *http.ServeMux) {
	mux.HandleFunc("GET /_orgstack/state", func(w http.ResponseWriter, r *http.Request) {
		if !m.stateAllowed(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		n, err := snapshot.Export(r.Context(), m.Store, w, m.snapshotHeader())
		if err != nil {
			m.adminError(w, err)
			return
		}
		m.Logger.Info("state exported", "records", n)
	})
	imp := func(w http.ResponseWriter, r *http.Request) {
		if !m.stateAllowed(w, r) {
			return
		}
		h, recs, err := snapshot.Read(http.MaxBytesReader(w, r.Body, maxSnapshotBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"error": "the snapshot is larger than 1 GiB; the state is unchanged"})
			return
		case errors.Is(err, snapshot.ErrIncompatible):
			writeJSON(w, http.StatusConflict, map[string]any{"error": err.Error() + "; the state is unchanged", "reason": "incompatible"})
			return
		case errors.Is(err, snapshot.ErrCorrupt):
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error() + "; the state is unchanged", "reason": "corrupt"})
			return
		case err != nil:
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "reading the snapshot: " + err.Error() + "; the state is unchanged"})
			return
		}
		if err := m.Store.Replace(r.Context(), recs); err != nil {
			m.adminError(w, err)
			return
		}
		if err := m.stateReplaced(r); err != nil {
			m.adminError(w, err)
			return
		}
		m.Logger.Info("state imported", "records", len(recs), "snapshot_version", h.OrgstackVersion, "snapshot_created", h.Created)
		writeJSON(w, http.StatusOK, map[string]any{
			"status":          "imported",
			"records":         len(recs),
			"orgstackVersion": h.OrgstackVersion,
			"created":         h.Created.Format(time.RFC3339Nano),
		})
	}
	mux.HandleFunc("PUT /_orgstack/state", imp)
	mux.HandleFunc("POST /_orgstack/state", imp)
}

// snapshotHeader describes a snapshot this process takes now.
func (m *Main) snapshotHeader() snapshot.Header {
	return snapshot.Header{OrgstackVersion: Version, Created: time.Now().UTC(), Store: m.storeKind()}
}

// stateReplaced brings what this process keeps in memory in line with a
// state that changed under it (import or reset): the clock offset is the
// new state's, and the job queue looks for the new state's jobs now,
// running those already due. Decoded-record caches need nothing: they
// answer only for the exact bytes stored (store.DecodeCache).
func (m *Main) stateReplaced(r *http.Request) error {
	m.Clock.SetOffset(0)
	if err := m.loadClock(r.Context()); err != nil {
		return err
	}
	m.Jobs.Wake()
	return nil
}

// stateAllowed reports whether r may export, import or reset the state,
// answering 403 when not: always in open mode; in enforce mode with
// --state-control, or from a client on loopback. These endpoints are not
// signed AWS requests, so enforce mode cannot authorize them otherwise.
func (m *Main) stateAllowed(w http.ResponseWriter, r *http.Request) bool {
	if m.Config.Auth != string(auth.Enforce) || m.Config.StateControl || loopback(r.RemoteAddr) {
		return true
	}
	writeJSON(w, http.StatusForbidden, map[string]any{"error": "in enforce mode the state can be exported, imported or reset only from loopback; start orgstack with --state-control to allow other clients"})
	return false
}

func loopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// wipeState empties the store and resets what this process keeps of it.
func (m *Main) wipeState(r *http.Request) error {
	if err := store.Wipe(r.Context(), m.Store); err != nil {
		return err
	}
	return m.stateReplaced(r)
}
