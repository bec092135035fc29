package console

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"
)

const cookieName = "orgstack-console"

// sessionTTL is how long a console session lasts without use.
const sessionTTL = 12 * time.Hour

// session is one signed-in browser: the credentials its calls are made
// with (kept in the server's memory, never in the browser).
type session struct {
	id                       string
	AccessKey, Secret, Token string
	Region                   string
	csrf                     string
	used                     time.Time

	mu    sync.Mutex
	flash []flash
}

// flash is a message shown once, on the next page.
type flash struct {
	Kind    string // "success", "error" or "info"
	Title   string
	Message string
}

func (s *session) addFlash(f flash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flash = append(s.flash, f)
}

func (s *session) takeFlash() []flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.flash
	s.flash = nil
	return f
}

// sessions are the signed-in browsers, in memory: a restart signs
// everyone out.
type sessions struct {
	mu  sync.Mutex
	all map[string]*session
}

func newSessions() *sessions { return &sessions{all: map[string]*session{}} }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("console: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func (ss *sessions) create(w http.ResponseWriter, r *http.Request, key, secret, token, region string) *session {
	s := &session{id: randomHex(24), AccessKey: key, Secret: secret, Token: token, Region: region, csrf: randomHex(16), used: time.Now()}
	ss.mu.Lock()
	for id, old := range ss.all {
		if time.Since(old.used) > sessionTTL {
			delete(ss.all, id)
		}
	}
	ss.all[s.id] = s
	ss.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	return s
}

func (ss *sessions) get(r *http.Request) *session {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.all[ck.Value]
	if s == nil || time.Since(s.used) > sessionTTL {
		return nil
	}
	s.used = time.Now()
	return s
}

func (ss *sessions) drop(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(cookieName); err == nil {
		ss.mu.Lock()
		delete(ss.all, ck.Value)
		ss.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// signinData is what the sign-in page shows.
type signinData struct {
	Next           string
	Error          string
	Expired        bool
	DefaultAccount string
	AccessKey      string
}

func (c *Console) signinForm(w http.ResponseWriter, r *http.Request) {
	d := &signinData{Next: safeNext(r.URL.Query().Get("next")), Expired: r.URL.Query().Get("expired") != "", DefaultAccount: c.opt.DefaultAccount}
	c.render(w, r, nil, "signin", &view{Title: "Sign in", Data: d})
}

// signin signs in: in open mode as an account (its 12-digit id is the
// access key), in enforce mode with an access key pair (and a session
// token for temporary credentials), checked the way a signed request is.
func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.errorPage(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	key := strings.TrimSpace(r.PostFormValue("access_key"))
	secret := r.PostFormValue("secret_key")
	token := strings.TrimSpace(r.PostFormValue("session_token"))
	region := r.PostFormValue("region")
	if region == "" {
		region = "us-east-1"
	}
	d := &signinData{Next: safeNext(r.PostFormValue("next")), DefaultAccount: c.opt.DefaultAccount, AccessKey: key}
	if !c.opt.Enforce {
		account := strings.TrimSpace(r.PostFormValue("account"))
		if !isAccountID(account) {
			d.Error = "Enter a 12-digit account ID."
			w.WriteHeader(http.StatusBadRequest)
			c.render(w, r, nil, "signin", &view{Title: "Sign in", Data: d})
			return
		}
		key, secret, token = account, "console", ""
	}
	if key == "" {
		d.Error = "Enter an access key ID and a secret access key."
		w.WriteHeader(http.StatusBadRequest)
		c.render(w, r, nil, "signin", &view{Title: "Sign in", Data: d})
		return
	}
	if _, err := c.opt.Invoker.Authenticate(r.Context(), key, secret, token, region); err != nil {
		e := c.apiError(err)
		d.Error = e.Code + ": " + signinMessage(e.Message)
		w.WriteHeader(http.StatusUnauthorized)
		c.render(w, r, nil, "signin", &view{Title: "Sign in", Data: d})
		return
	}
	c.sessions.create(w, r, key, secret, token, region)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request) {
	s := c.sessions.get(r)
	if s != nil {
		if err := r.ParseForm(); err != nil || r.PostFormValue("csrf") != s.csrf {
			c.errorPage(w, r, http.StatusForbidden, "The form expired. Reload the page and try again.")
			return
		}
	}
	c.sessions.drop(w, r)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// signinMessage is the part of an authentication error worth showing on
// the sign-in page: AWS's SignatureDoesNotMatch goes on with the
// canonical request of the console's own call, which means nothing to
// the person signing in.
func signinMessage(m string) string {
	if i := strings.Index(m, "The Canonical String"); i > 0 {
		m = m[:i]
	}
	return strings.TrimSpace(m)
}
