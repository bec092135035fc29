package app

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Where a setting's value comes from. Precedence, highest first: a flag on
// the command line, an ORGSTACK_* environment variable, the configuration
// file, the default.
const (
	SourceFlag    = "flag"
	SourceEnv     = "env"
	SourceFile    = "file"
	SourceDefault = "default"
)

// ConfigEnv names the configuration file when --config is not given.
const ConfigEnv = "ORGSTACK_CONFIG"

// Setting is one setting of the effective configuration.
type Setting struct {
	// Name is the flag's name, which is also the configuration file's key.
	Name string
	// Value is the setting's value as a flag would take it; secrets are
	// redacted (see Redacted).
	Value string
	// Source is SourceFlag, SourceEnv, SourceFile or SourceDefault.
	Source string
	// Where names the source precisely: "--addr", "ORGSTACK_ADDR",
	// "orgstack.yaml:3"; empty for defaults.
	Where string
	// Kind is "bool", "int", "duration" or "string".
	Kind string
}

// secretSettings hold credentials: they are never printed or logged.
var secretSettings = map[string]bool{"root-secret": true}

// EnvName is the environment variable of the flag name: ORGSTACK_ and the
// name in upper case with dashes as underscores (data-dir → ORGSTACK_DATA_DIR).
func EnvName(flagName string) string {
	return "ORGSTACK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Load sets c from the flags of `orgstack serve` in args, the ORGSTACK_*
// environment (getenv) and the YAML configuration file named by --config or
// ORGSTACK_CONFIG, in that order of precedence over c's current values
// (the defaults), then validates the result. Every flag is a key of the
// file and has an environment variable (EnvName), so a flag added to
// FlagSet is configurable all three ways. Errors name the bad setting and
// where it came from (the variable, or the file and line). It returns the
// effective settings; with -h it returns flag.ErrHelp after printing the
// usage to out.
func (c *Config) Load(name string, args []string, getenv func(string) string, out io.Writer) ([]Setting, error) {
	fs := c.FlagSet(name, func(string) string { return "" })
	var file string
	fs.StringVar(&file, "config", "", "YAML `FILE` of settings, whose keys are these flags' names; flags and ORGSTACK_* variables win over it ("+ConfigEnv+")")
	fs.SetOutput(out)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	origin := map[string]Setting{}
	fs.Visit(func(f *flag.Flag) { origin[f.Name] = Setting{Source: SourceFlag, Where: "--" + f.Name} })
	if _, ok := origin["config"]; !ok {
		file = getenv(ConfigEnv)
	}
	var values map[string]fileValue
	if file != "" {
		var err error
		if values, err = readConfigFile(file, fs); err != nil {
			return nil, err
		}
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "config" {
			return
		}
		if _, ok := origin[f.Name]; ok {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if err := setFlag(fs, f, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", EnvName(f.Name), err))
			}
			origin[f.Name] = Setting{Source: SourceEnv, Where: EnvName(f.Name)}
			return
		}
		if fv, ok := values[f.Name]; ok {
			where := fmt.Sprintf("%s:%d", file, fv.line)
			if err := setFlag(fs, f, fv.value); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", where, err))
			}
			origin[f.Name] = Setting{Source: SourceFile, Where: where}
		}
	})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var settings []Setting
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "config" {
			return
		}
		s := origin[f.Name]
		if s.Source == "" {
			s.Source = SourceDefault
		}
		s.Name, s.Kind = f.Name, flagKind(f)
		s.Value = Redacted(f.Name, f.Value.String())
		settings = append(settings, s)
	})
	if err := c.Validate(); err != nil {
		// Validate names the setting first ("auth: ..."); say where its
		// value came from.
		key, _, _ := strings.Cut(err.Error(), ":")
		if s, ok := origin[key]; ok && s.Source != SourceFlag {
			return settings, fmt.Errorf("%s: %w", s.Where, err)
		}
		return settings, err
	}
	return settings, nil
}

// Redacted is value as it may be shown: secrets are replaced and URLs lose
// their passwords.
func Redacted(name, value string) string {
	if value == "" {
		return value
	}
	if secretSettings[name] {
		return "REDACTED"
	}
	if strings.Contains(value, "://") {
		if u, err := url.Parse(value); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				return u.Redacted()
			}
		}
	}
	return value
}

type fileValue struct {
	value string
	line  int
}

// readConfigFile reads a YAML mapping of flag names to scalar values.
func readConfigFile(path string, fs *flag.FlagSet) (map[string]fileValue, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file sets nothing
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the configuration must be a mapping of settings (flag names) to values", path, root.Line)
	}
	values := map[string]fileValue{}
	var errs []error
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		where := fmt.Sprintf("%s:%d", path, k.Line)
		f := fs.Lookup(k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			errs = append(errs, fmt.Errorf("%s: keys must be setting names", where))
		case f == nil || k.Value == "config":
			errs = append(errs, fmt.Errorf("%s: unknown key %q (keys are the names of orgstack serve's flags)", where, k.Value))
		case values[k.Value] != fileValue{}:
			errs = append(errs, fmt.Errorf("%s: %s: set twice (first on line %d)", where, k.Value, values[k.Value].line))
		case v.Kind != yaml.ScalarNode:
			errs = append(errs, fmt.Errorf("%s: %s: wrong type: want a %s, not a %s", where, k.Value, flagKind(f), nodeKind(v)))
		case v.Tag == "!!null":
			errs = append(errs, fmt.Errorf("%s: %s: no value", where, k.Value))
		default:
			values[k.Value] = fileValue{value: v.Value, line: k.Line}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return values, nil
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}

// flagKind is the type of a flag's value: bool, int, duration or string.
func flagKind(f *flag.Flag) string {
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case bool:
			return "bool"
		case int, int64, uint, uint64:
			return "int"
		case time.Duration:
			return "duration"
		}
	}
	return "string"
}

// setFlag sets f to v with an error that says what was expected.
func setFlag(fs *flag.FlagSet, f *flag.Flag, v string) error {
	kind := flagKind(f)
	var bad bool
	switch kind {
	case "bool":
		_, err := strconv.ParseBool(v)
		bad = err != nil
	case "int":
		_, err := strconv.Atoi(v)
		bad = err != nil
	case "duration":
		_, err := time.ParseDuration(v)
		bad = err != nil
	}
	if bad {
		return fmt.Errorf("%s: wrong type: %q is not a %s", f.Name, v, kindExample[kind])
	}
	if err := fs.Set(f.Name, v); err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	return nil
}

var kindExample = map[string]string{
	"bool":     "boolean (true or false)",
	"int":      "whole number",
	"duration": "duration (such as 500ms, 30s, 2h)",
}

// PrintSettings writes settings as a YAML configuration file, each value
// commented with where it came from.
func PrintSettings(w io.Writer, settings []Setting) error {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, s := range settings {
		tag := "!!str"
		switch s.Kind {
		case "bool":
			tag = "!!bool"
		case "int":
			tag = "!!int"
		}
		comment := s.Source
		if s.Where != "" {
			comment += " (" + s.Where + ")"
		}
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.Name},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s.Value, LineComment: comment})
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return err
	}
	return enc.Close()
}
