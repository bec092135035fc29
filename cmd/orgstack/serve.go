package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/orgstack/orgstack/internal/app"
)

func serve(args []string, stderr io.Writer, getenv func(string) string) int {
	m := app.NewMain()
	if _, err := m.Config.Load("orgstack serve", args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "orgstack:", err)
		return 2
	}
	if err := withSeeder(m); err != nil {
		fmt.Fprintln(stderr, "orgstack:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "orgstack:", err)
		return 1
	}
	select {
	case <-ctx.Done():
	case <-waitChan(m):
	}
	// A second SIGTERM or SIGINT while shutting down kills the process.
	stop()
	if err := m.Close(); err != nil {
		fmt.Fprintln(stderr, "orgstack: shutdown:", err)
		return 1
	}
	if err := m.Wait(); err != nil {
		fmt.Fprintln(stderr, "orgstack:", err)
		return 1
	}
	return 0
}

func waitChan(m *app.Main) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		_ = m.Wait()
		close(ch)
	}()
	return ch
}
