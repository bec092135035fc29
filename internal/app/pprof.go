package app

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves Go's profiler (net/http/pprof) on its own loopback
// listener, apart from the AWS endpoint, when --pprof-addr is set: for
// finding what stands in the way of a benchmark, never on by default.
func (m *Main) startPprof() error {
	if m.Config.PprofAddr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(m.Config.PprofAddr)
	if err != nil {
		return fmt.Errorf("pprof-addr: %v", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("pprof-addr: %q is not a loopback address; the profiler is served on loopback only", m.Config.PprofAddr)
	}
	ln, err := net.Listen("tcp", m.Config.PprofAddr)
	if err != nil {
		return fmt.Errorf("pprof-addr: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.pprofServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = m.pprofServer.Serve(ln) }()
	m.Logger.Info("profiler listening", "addr", ln.Addr().String())
	return nil
}
