// Package console is orgstack's web console: the Organizations console's
// Services page and the views around it (the organization's structure,
// delegated administrators, Systems Manager Explorer and Change Manager,
// Audit Manager, Self-Service Reporting). It is served at / by the same
// server as the API, from templates and assets embedded in the binary.
//
// Every page is made of API calls made as the signed-in identity through
// the server's Invoker — the same path as an API request, authorized the
// same way in enforce mode — never by reading the store.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/trusted"
	"github.com/orgstack/orgstack/internal/wire"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Invoker runs API operations as an identity (the server's).
type Invoker interface {
	// Invoke runs an operation for caller exactly as the API would once
	// the request is decoded; input uses the model's member names.
	Invoke(ctx context.Context, caller orgstack.Caller, service, operation string, input map[string]any, remoteAddr string) (*wire.Operation, any, error)
	// Authenticate identifies credentials as a signed request would be.
	Authenticate(ctx context.Context, accessKey, secret, sessionToken, region string) (orgstack.Caller, error)
}

// Options configures a Console.
type Options struct {
	Invoker Invoker
	// Enforce is true when the server verifies signatures and authorizes
	// every call: sign-in then takes an access key pair.
	Enforce bool
	// DefaultAccount is the account open-mode sign-in suggests.
	DefaultAccount string
	// Catalogue is the catalogue of trusted services.
	Catalogue *trusted.Catalogue
	// TrustedServices returns orgstack's view of an organization's trusted
	// services as JSON (see organizations.TrustedServiceView): where each
	// service-linked role exists. The console shows it only to callers the
	// API lets list the organization's trusted services.
	TrustedServices func(ctx context.Context, orgID string) ([]byte, error)
	Logger          *slog.Logger
}

// Console is an http.Handler. It is safe for concurrent use.
type Console struct {
	opt      Options
	sessions *sessions
	pages    func() (map[string]*template.Template, error) // parsed at first use
	mux      *http.ServeMux
	static   http.Handler
	patterns []string
}

// handle registers a page or an action.
func (c *Console) handle(pattern string, h http.HandlerFunc) {
	c.mux.HandleFunc(pattern, h)
	c.patterns = append(c.patterns, pattern)
}

// Patterns lists the console's routes ("GET /organizations/services"),
// so that tests can check that no API claims them.
func (c *Console) Patterns() []string { return append([]string{}, c.patterns...) }

// New returns a Console.
func New(opt Options) (*Console, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Console{opt: opt, sessions: newSessions(), mux: http.NewServeMux()}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	c.static = http.StripPrefix("/static/", http.FileServer(http.FS(static)))
	// The pages are parsed when the console is first used: a server
	// whose console nobody opens keeps none of it in memory.
	c.pages = sync.OnceValues(parsePages)
	c.routes()
	return c, nil
}

// parsePages parses every page's template, each with the layout.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs()).ParseFS(assets, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// template returns the parsed template of a page; nil if there is none or
// the templates do not parse (logged).
func (c *Console) template(name string) *template.Template {
	pages, err := c.pages()
	if err != nil {
		c.opt.Logger.Error("console: templates", "error", err)
		return nil
	}
	return pages[name]
}

// routes registers every page. Each area of the console registers its
// own in its file.
func (c *Console) routes() {
	c.mux.Handle("GET /static/", c.static)
	c.patterns = append(c.patterns, "GET /static/")
	c.handle("GET /{$}", c.page(c.home))
	c.handle("GET /signin", c.signinForm)
	c.handle("POST /signin", c.signin)
	c.handle("POST /signout", c.signout)
	c.handle("POST /region", c.action(c.setRegion))
	c.servicesRoutes()
	c.organizationRoutes()
	c.delegatedAdminRoutes()
	c.systemsManagerRoutes()
	c.auditManagerRoutes()
	c.reportsRoutes()
}

// ServeHTTP implements http.Handler. A panic is logged and answered with
// a plain error page, never a stack trace.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			id := orgstack.NewUUID()
			c.opt.Logger.Error("console panic", "request_id", id, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			c.errorPage(w, r, http.StatusInternalServerError, "An internal error occurred. Request ID: "+id)
		}
	}()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "same-origin")
	if _, pattern := c.mux.Handler(r); pattern == "" {
		c.errorPage(w, r, http.StatusNotFound, "The page "+r.URL.Path+" doesn't exist.")
		return
	}
	c.mux.ServeHTTP(w, r)
}

// view is what every page template gets.
type view struct {
	Title   string
	Section string
	Session *session
	Caller  orgstack.Caller
	Enforce bool
	Regions []string
	Flash   []flash
	CSRF    string
	// Error is an error of the page's main call, shown in place of the
	// page's content.
	Error *orgstack.Error
	Data  any
}

// req is one console request of a signed-in user.
type req struct {
	w      http.ResponseWriter
	r      *http.Request
	c      *Console
	s      *session
	caller orgstack.Caller
}

// page wraps a handler that renders a page for a signed-in user.
func (c *Console) page(h func(q *req) (string, *view)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, ok := c.request(w, r)
		if !ok {
			return
		}
		name, v := h(q)
		if name == "" {
			return // the handler answered (a redirect)
		}
		c.render(w, r, q, name, v)
	}
}

// action wraps a form handler of a signed-in user: the CSRF token is
// checked, and the handler returns where to go next.
func (c *Console) action(h func(q *req) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, ok := c.request(w, r)
		if !ok {
			return
		}
		if err := r.ParseForm(); err != nil || r.PostFormValue("csrf") != q.s.csrf {
			c.errorPage(w, r, http.StatusForbidden, "The form expired. Reload the page and try again.")
			return
		}
		next := h(q)
		if next == "" {
			next = "/"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// request finds the signed-in user (redirecting to sign-in otherwise).
func (c *Console) request(w http.ResponseWriter, r *http.Request) (*req, bool) {
	s := c.sessions.get(r)
	if s == nil {
		http.Redirect(w, r, "/signin?next="+templateEscapePath(r.URL.RequestURI()), http.StatusSeeOther)
		return nil, false
	}
	caller, err := c.opt.Invoker.Authenticate(r.Context(), s.AccessKey, s.Secret, s.Token, s.Region)
	if err != nil {
		c.sessions.drop(w, r)
		http.Redirect(w, r, "/signin?expired=1", http.StatusSeeOther)
		return nil, false
	}
	return &req{w: w, r: r, c: c, s: s, caller: caller}, true
}

func templateEscapePath(p string) string { return template.URLQueryEscaper(p) }

func (c *Console) render(w http.ResponseWriter, r *http.Request, q *req, name string, v *view) {
	t := c.template(name)
	if t == nil {
		c.errorPage(w, r, http.StatusInternalServerError, "An internal error occurred.")
		c.opt.Logger.Error("console: no template", "name", name)
		return
	}
	if v == nil {
		v = &view{}
	}
	if q != nil {
		v.Session, v.Caller, v.CSRF = q.s, q.caller, q.s.csrf
		v.Flash = q.s.takeFlash()
	}
	v.Enforce, v.Regions = c.opt.Enforce, regions()
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		c.opt.Logger.Error("console: rendering", "template", name, "error", err)
		c.errorPage(w, r, http.StatusInternalServerError, "An internal error occurred.")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(b.String()))
}

// errorPage answers a plain page with a message.
func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	t := c.template("error")
	if t == nil {
		_, _ = w.Write([]byte(template.HTMLEscapeString(msg)))
		return
	}
	v := &view{Title: http.StatusText(status), Regions: regions(), Data: msg}
	if s := c.sessions.get(r); s != nil {
		v.Session, v.CSRF = s, s.csrf
	}
	_ = t.Execute(w, v)
}

// home sends users to the page that fits them: the Services page.
func (c *Console) home(q *req) (string, *view) {
	http.Redirect(q.w, q.r, "/organizations/services", http.StatusSeeOther)
	return "", nil
}

func (c *Console) setRegion(q *req) string {
	region := q.r.PostFormValue("region")
	for _, r := range regions() {
		if r == region {
			q.s.Region = region
		}
	}
	return safeNext(q.r.PostFormValue("next"))
}

// back is the page a form's "next" field names, when it is one of the
// console's, else fallback.
func (q *req) back(fallback string) string {
	if next := q.r.PostFormValue("next"); next != "" {
		return safeNext(next)
	}
	return fallback
}

// safeNext keeps redirects on the console.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	return next
}

// regions are the regions the console offers.
func regions() []string {
	return []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-central-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1"}
}

// apiError turns an error of a call into what the page shows: AWS's code
// and message; anything else is hidden behind a generic message.
func (c *Console) apiError(err error) *orgstack.Error {
	var e *orgstack.Error
	if errors.As(err, &e) {
		return e
	}
	c.opt.Logger.Error("console: call failed", "error", err)
	return orgstack.InternalError()
}
