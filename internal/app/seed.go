package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// Seeder fills a server that has just started listening (see
// Config.SeedFile). cmd/orgstack plugs in one built on internal/seed,
// which calls the server's public APIs like any client.
type Seeder interface {
	Seed(ctx context.Context, t SeedTarget) error
}

// SeedTarget is what a Seeder needs to call the server.
type SeedTarget struct {
	// File is Config.SeedFile.
	File string
	// Endpoint is the server's URL.
	Endpoint string
	// DefaultAccount is the account to act as when the file names no
	// management account.
	DefaultAccount string
	// RootCredentials returns an access key pair of account's root user
	// that the server accepts (in enforce mode: --root-secret or an entry
	// of --root-keys; in open mode any secret).
	RootCredentials func(account string) (accessKeyID, secretAccessKey string, err error)
	Logger          *slog.Logger
}

// rootCredentials is SeedTarget.RootCredentials for this server.
func (m *Main) rootCredentials(account string) (string, string, error) {
	if m.Config.Auth != "enforce" {
		return account, "orgstack", nil
	}
	if m.Config.RootSecret != "" {
		return account, m.Config.RootSecret, nil
	}
	if m.ident != nil {
		for id, k := range m.ident.RootKeys {
			if k.Account == account {
				return id, k.Secret, nil
			}
		}
	}
	return "", "", fmt.Errorf("enforce mode: no root key for account %s (give --root-secret, or list it in --root-keys)", account)
}

// startSeed applies Config.SeedFile in the background. Health answers
// 503 "seeding" until it is done; a failure closes the server, and Wait
// returns the error.
func (m *Main) startSeed() {
	if m.Config.SeedFile == "" {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.seedCancel = cancel
	m.seedDone = make(chan struct{})
	m.seeding.Store(true)
	t := SeedTarget{File: m.Config.SeedFile, Endpoint: m.Endpoint(), DefaultAccount: m.Config.DefaultAccount,
		RootCredentials: m.rootCredentials, Logger: m.Logger}
	go func() {
		defer close(m.seedDone)
		defer m.seeding.Store(false)
		err := m.Seeder.Seed(ctx, t)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			return // the server is closing
		}
		m.Logger.Error("seeding failed; stopping", "file", m.Config.SeedFile, "error", err)
		m.failMu.Lock()
		m.failure = fmt.Errorf("seed: %w", err)
		m.failMu.Unlock()
		_ = m.httpServer.Close()
	}()
}

var errNoSeeder = errors.New("seed: this build has no seeder")
