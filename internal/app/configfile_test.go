package app

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "orgstack.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func load(t *testing.T, args []string, env map[string]string) (Config, map[string]Setting, error) {
	t.Helper()
	c := DefaultConfig()
	settings, err := c.Load("orgstack serve", args, envOf(env), &bytes.Buffer{})
	by := map[string]Setting{}
	for _, s := range settings {
		by[s.Name] = s
	}
	return c, by, err
}

func TestConfigPrecedence(t *testing.T) {
	file := writeConfig(t, "# settings\nmax-accounts: 20\nlog-level: debug\ncreate-account-delay: 2s\nmemory: true\n")
	cases := []struct {
		name   string
		args   []string
		env    map[string]string
		want   int
		source string
		where  string
	}{
		{"default", nil, nil, 10, SourceDefault, ""},
		{"file", []string{"--config", file}, nil, 20, SourceFile, file + ":2"},
		{"file from ORGSTACK_CONFIG", nil, map[string]string{ConfigEnv: file}, 20, SourceFile, file + ":2"},
		{"env over file", []string{"--config", file}, map[string]string{"ORGSTACK_MAX_ACCOUNTS": "30"}, 30, SourceEnv, "ORGSTACK_MAX_ACCOUNTS"},
		{"flag over env and file", []string{"--config", file, "--max-accounts", "40"}, map[string]string{"ORGSTACK_MAX_ACCOUNTS": "30"}, 40, SourceFlag, "--max-accounts"},
		{"--config over ORGSTACK_CONFIG", []string{"--config", file}, map[string]string{ConfigEnv: "/nonexistent.yaml"}, 20, SourceFile, file + ":2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, by, err := load(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.MaxAccounts != tc.want {
				t.Errorf("max-accounts = %d, want %d", c.MaxAccounts, tc.want)
			}
			if s := by["max-accounts"]; s.Source != tc.source || s.Where != tc.where || s.Value != strconv.Itoa(tc.want) {
				t.Errorf("setting = %+v, want source %s at %q", s, tc.source, tc.where)
			}
		})
	}
	// The file's other keys apply in their own right.
	c, by, err := load(t, []string{"--config", file}, map[string]string{"ORGSTACK_LOG_LEVEL": "warn"})
	if err != nil {
		t.Fatal(err)
	}
	if c.LogLevel != "warn" || c.CreateAccountDelay.String() != "2s" || !c.Memory || by["memory"].Where != file+":5" {
		t.Errorf("config = %+v, memory setting %+v", c, by["memory"])
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		file string
		args []string
		env  map[string]string
		want string // regexp; FILE is the file's path
	}{
		{"unknown key", "addr: 127.0.0.1:0\nadress: x\n", nil, nil, `^FILE:2: unknown key "adress"`},
		{"config is not a key", "config: other.yaml\n", nil, nil, `^FILE:1: unknown key "config"`},
		{"wrong type list", "memory: [true]\n", nil, nil, `^FILE:1: memory: wrong type: want a bool, not a list$`},
		{"wrong type number", "\n\nmax-accounts: ten\n", nil, nil, `^FILE:3: max-accounts: wrong type: "ten" is not a whole number$`},
		{"wrong type duration", "create-account-delay: 5\n", nil, nil, `^FILE:1: create-account-delay: wrong type: "5" is not a duration`},
		{"wrong type bool", "clock-control: maybe\n", nil, nil, `^FILE:1: clock-control: wrong type: "maybe" is not a boolean`},
		{"invalid value", "log-level: info\nauth: maybe\n", nil, nil, `^FILE:2: auth: "maybe" is not open or enforce$`},
		{"invalid negative", "service-role-delay: -1s\n", nil, nil, `^FILE:1: service-role-delay: may not be negative$`},
		{"no value", "addr:\n", nil, nil, `^FILE:1: addr: no value$`},
		{"twice", "addr: a:1\naddr: b:2\n", nil, nil, `^FILE:2: addr: set twice \(first on line 1\)$`},
		{"not a mapping", "- addr\n", nil, nil, `^FILE:1: the configuration must be a mapping`},
		{"yaml syntax", "addr: [\n", nil, nil, `^FILE: yaml: `},
		{"env wrong type", "", nil, map[string]string{"ORGSTACK_MAX_ACCOUNTS": "ten"}, `^ORGSTACK_MAX_ACCOUNTS: max-accounts: wrong type: "ten" is not a whole number$`},
		{"env bool", "", nil, map[string]string{"ORGSTACK_MEMORY": "yes please"}, `^ORGSTACK_MEMORY: memory: wrong type`},
		{"env duration", "", nil, map[string]string{"ORGSTACK_JOB_POLL_INTERVAL": "1"}, `^ORGSTACK_JOB_POLL_INTERVAL: job-poll-interval: wrong type`},
		{"env invalid value", "", nil, map[string]string{"ORGSTACK_AUTH": "maybe"}, `^ORGSTACK_AUTH: auth: "maybe" is not open or enforce$`},
		{"flag invalid value", "", []string{"--log-format", "xml"}, nil, `^log-format: "xml" is not text or json$`},
		{"missing file", "", []string{"--config", "/nonexistent/orgstack.yaml"}, nil, `^config: open /nonexistent/orgstack.yaml: `},
		{"extra argument", "", []string{"serve"}, nil, `^unexpected argument "serve"$`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			file := ""
			if tc.file != "" {
				file = writeConfig(t, tc.file)
				args = append([]string{"--config", file}, args...)
			}
			_, _, err := load(t, args, tc.env)
			if err == nil {
				t.Fatal("no error")
			}
			re := regexp.MustCompile(strings.ReplaceAll(tc.want, "FILE", regexp.QuoteMeta(file)))
			if !re.MatchString(err.Error()) {
				t.Errorf("error %q does not match %s", err, re)
			}
		})
	}
}

// TestConfigEveryFlag: every flag of orgstack serve is a key of the file
// and has its ORGSTACK_* variable, named in its usage and in README's
// configuration table.
func TestConfigEveryFlag(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	fs := c.FlagSet("orgstack serve", func(string) string { return "" })
	fs.VisitAll(func(f *flag.Flag) {
		env := EnvName(f.Name)
		if !strings.Contains(f.Usage, "("+env+")") {
			t.Errorf("--%s: usage does not name %s", f.Name, env)
		}
		row := "| `--" + f.Name + "` | `" + env + "` |"
		if !bytes.Contains(readme, []byte(row)) {
			t.Errorf("README.md's configuration table has no row starting %s", row)
		}
		// Settable from a file: the current value (the default) read back
		// from the file's key is the same setting.
		if f.Value.String() == "" {
			return
		}
		file := writeConfig(t, f.Name+": "+quoteYAML(f.Value.String())+"\n")
		_, by, err := load(t, []string{"--config", file, "--memory"}, nil)
		if err != nil && !strings.Contains(err.Error(), "--store and --memory") {
			t.Errorf("%s from a file: %v", f.Name, err)
			return
		}
		if f.Name != "memory" && by[f.Name].Source != SourceFile {
			t.Errorf("%s from a file: source %+v", f.Name, by[f.Name])
		}
	})
	if !bytes.Contains(readme, []byte("| `--config` | `"+ConfigEnv+"` |")) {
		t.Errorf("README.md's configuration table has no row for --config")
	}
}

func quoteYAML(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestConfigPrintRoundTrip: what `orgstack config print` shows is a
// configuration file giving the same configuration, secrets aside.
func TestConfigPrintRoundTrip(t *testing.T) {
	file := writeConfig(t, "max-accounts: 25\nroot-secret: hunter2\nauth: enforce\nstore: postgres://me:pa55word@db.internal/orgstack\naddr: 127.0.0.1:0\n")
	c1, by, err := load(t, []string{"--config", file, "--create-account-delay", "3s"}, map[string]string{"ORGSTACK_DEFAULT_ACCOUNT": "000000000001"})
	if err != nil {
		t.Fatal(err)
	}
	var settings []Setting
	for _, s := range by {
		settings = append(settings, s)
	}
	var out bytes.Buffer
	if err := PrintSettings(&out, settings); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, secret := range []string{"hunter2", "pa55word"} {
		if strings.Contains(text, secret) {
			t.Errorf("printed configuration shows a secret:\n%s", text)
		}
	}
	for _, want := range []string{
		"max-accounts: 25 # file (" + file + ":1)",
		`default-account: "000000000001" # env (ORGSTACK_DEFAULT_ACCOUNT)`,
		"create-account-delay: 3s # flag (--create-account-delay)",
		"root-secret: REDACTED # file (" + file + ":2)",
		"log-format: text # default",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("printed configuration lacks %q:\n%s", want, text)
		}
	}
	c2, _, err := load(t, []string{"--config", writeConfig(t, text)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c2.RootSecret, c2.Store = c1.RootSecret, c1.Store
	if c1 != c2 {
		t.Errorf("printed configuration reads back as\n%+v\nnot\n%+v", c2, c1)
	}
}
