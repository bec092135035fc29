// Package awsmodel reads botocore service models (service-2.json, possibly
// gzipped) as installed with botocore. It is used at generate time only.
package awsmodel

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Model is a botocore service-2.json document.
type Model struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Metadata is the model's metadata block.
type Metadata struct {
	APIVersion       string `json:"apiVersion"`
	EndpointPrefix   string `json:"endpointPrefix"`
	JSONVersion      string `json:"jsonVersion"`
	Protocol         string `json:"protocol"`
	ServiceFullName  string `json:"serviceFullName"`
	ServiceID        string `json:"serviceId"`
	SigningName      string `json:"signingName"`
	TargetPrefix     string `json:"targetPrefix"`
	XMLNamespace     string `json:"xmlNamespace"`
	UID              string `json:"uid"`
	GlobalEndpoint   string `json:"globalEndpoint"`
	SignatureVersion string `json:"signatureVersion"`
}

// Operation is one operation.
type Operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input         *Ref   `json:"input"`
	Output        *Ref   `json:"output"`
	Errors        []*Ref `json:"errors"`
	Documentation string `json:"documentation"`
	Deprecated    bool   `json:"deprecated"`
}

// Ref is a reference to a shape, with member-level traits.
type Ref struct {
	Shape            string `json:"shape"`
	Location         string `json:"location"`
	LocationName     string `json:"locationName"`
	QueryName        string `json:"queryName"`
	ResultWrapper    string `json:"resultWrapper"`
	Flattened        bool   `json:"flattened"`
	XMLAttribute     bool   `json:"xmlAttribute"`
	IdempotencyToken bool   `json:"idempotencyToken"`
	JSONValue        bool   `json:"jsonvalue"`
	HostLabel        bool   `json:"hostLabel"`
	Deprecated       bool   `json:"deprecated"`
	TimestampFormat  string `json:"timestampFormat"`
	Documentation    string `json:"documentation"`
}

// Shape is one shape.
type Shape struct {
	Type            string          `json:"type"`
	Members         map[string]*Ref `json:"members"`
	Required        []string        `json:"required"`
	Member          *Ref            `json:"member"`
	Key             *Ref            `json:"key"`
	Value           *Ref            `json:"value"`
	Min             *float64        `json:"min"`
	Max             *float64        `json:"max"`
	Pattern         string          `json:"pattern"`
	Enum            []string        `json:"enum"`
	TimestampFormat string          `json:"timestampFormat"`
	Flattened       bool            `json:"flattened"`
	Union           bool            `json:"union"`
	Sensitive       bool            `json:"sensitive"`
	Exception       bool            `json:"exception"`
	Fault           bool            `json:"fault"`
	Error           *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
	Documentation string `json:"documentation"`
	Document      bool   `json:"document"`
	Payload       string `json:"payload"`
	LocationName  string `json:"locationName"`

	// memberOrder is the members' order in the source document.
	memberOrder []string
}

// MemberNames returns the structure's member names in document order.
func (s *Shape) MemberNames() []string { return s.memberOrder }

// BotocoreDataDir finds botocore's data directory by asking python3.
func BotocoreDataDir() (string, error) {
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		return "", fmt.Errorf("locating botocore with python3: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "data"), nil
}

// Load reads the newest model version of service from botocore's data dir.
func Load(dataDir, service string) (*Model, string, error) {
	versions, err := filepath.Glob(filepath.Join(dataDir, service, "*"))
	if err != nil || len(versions) == 0 {
		return nil, "", fmt.Errorf("no model for %s under %s", service, dataDir)
	}
	sort.Strings(versions)
	dir := versions[len(versions)-1]
	for _, name := range []string{"service-2.json", "service-2.json.gz"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			m, err := LoadFile(p)
			return m, p, err
		}
	}
	return nil, "", fmt.Errorf("no service-2.json in %s", dir)
}

// LoadFile reads one service-2.json or service-2.json.gz file.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		defer gz.Close()
		r = gz
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := recordMemberOrder(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for name, op := range m.Operations {
		if op.Name == "" {
			op.Name = name
		}
	}
	return &m, nil
}

// recordMemberOrder re-reads the shapes with a token decoder to keep each
// structure's member order, which encoding/json's maps lose.
func recordMemberOrder(data []byte, m *Model) error {
	var raw struct {
		Shapes map[string]json.RawMessage `json:"shapes"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	for name, body := range raw.Shapes {
		var s struct {
			Members json.RawMessage `json:"members"`
		}
		if err := json.Unmarshal(body, &s); err != nil {
			return err
		}
		if len(s.Members) == 0 {
			continue
		}
		keys, err := objectKeys(s.Members)
		if err != nil {
			return err
		}
		m.Shapes[name].memberOrder = keys
	}
	return nil
}

func objectKeys(obj json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(string(obj)))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
