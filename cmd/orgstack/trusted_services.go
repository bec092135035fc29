package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// trustedServices prints orgstack's view of the trusted services of an
// organization: trusted access, delegated administrators and where each
// service-linked role exists or is pending.
func trustedServices(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("orgstack trusted-services", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", defaultEndpoint(getenv), "orgstack's `URL` (default: $AWS_ENDPOINT_URL or http://127.0.0.1:4590)")
	org := fs.String("organization", "", "organization `ID` (default: the only organization)")
	all := fs.Bool("all", false, "list every catalogue service, not only those with trusted access, roles or delegated administrators")
	asJSON := fs.Bool("json", false, "print the raw JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	base := strings.TrimRight(*endpoint, "/")
	if *org == "" {
		var list struct {
			Organizations []struct {
				ID                string `json:"id"`
				ManagementAccount string `json:"managementAccount"`
			} `json:"organizations"`
		}
		if err := getJSON(base+"/_orgstack/organizations", &list); err != nil {
			fmt.Fprintln(stderr, "orgstack:", err)
			return 1
		}
		switch len(list.Organizations) {
		case 0:
			fmt.Fprintln(stderr, "orgstack: the server has no organization")
			return 1
		case 1:
			*org = list.Organizations[0].ID
		default:
			fmt.Fprintln(stderr, "orgstack: the server has several organizations; choose one with --organization:")
			for _, o := range list.Organizations {
				fmt.Fprintf(stderr, "  %s (management account %s)\n", o.ID, o.ManagementAccount)
			}
			return 2
		}
	}
	var view struct {
		OrganizationID string `json:"organizationId"`
		Services       []struct {
			Principal       string     `json:"principal"`
			Name            string     `json:"name"`
			TrustedAccess   string     `json:"trustedAccess"`
			DateEnabled     *time.Time `json:"dateEnabled"`
			DelegatedAdmins []struct {
				AccountID string `json:"accountId"`
			} `json:"delegatedAdministrators"`
			ServiceLinkedRoles []struct {
				RoleName string `json:"roleName"`
				Accounts []struct {
					AccountID string `json:"accountId"`
					Status    string `json:"status"`
				} `json:"accounts"`
			} `json:"serviceLinkedRoles"`
		} `json:"services"`
	}
	raw, err := get(base + "/_orgstack/organizations/" + *org + "/trusted-services")
	if err != nil {
		fmt.Fprintln(stderr, "orgstack:", err)
		return 1
	}
	if *asJSON {
		_, _ = stdout.Write(raw)
		return 0
	}
	if err := json.Unmarshal(raw, &view); err != nil {
		fmt.Fprintln(stderr, "orgstack:", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SERVICE\tPRINCIPAL\tTRUSTED ACCESS\tENABLED\tDELEGATED ADMINS\tSERVICE-LINKED ROLES\n")
	for _, s := range view.Services {
		var roles []string
		for _, r := range s.ServiceLinkedRoles {
			present, pending := 0, 0
			for _, a := range r.Accounts {
				if a.Status == "PRESENT" {
					present++
				} else {
					pending++
				}
			}
			if present+pending > 0 {
				roles = append(roles, fmt.Sprintf("%s: %d present, %d pending", r.RoleName, present, pending))
			}
		}
		var admins []string
		for _, a := range s.DelegatedAdmins {
			admins = append(admins, a.AccountID)
		}
		if !*all && s.TrustedAccess != "ENABLED" && len(roles) == 0 && len(admins) == 0 {
			continue
		}
		enabled := "-"
		if s.DateEnabled != nil {
			enabled = s.DateEnabled.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Principal, s.TrustedAccess, enabled, orDash(strings.Join(admins, ",")), orDash(strings.Join(roles, "; ")))
	}
	_ = tw.Flush()
	return 0
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func defaultEndpoint(getenv func(string) string) string {
	if e := getenv("AWS_ENDPOINT_URL"); e != "" {
		return e
	}
	return "http://127.0.0.1:4590"
}

func get(url string) ([]byte, error) {
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s %s", url, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}

func getJSON(url string, v any) error {
	b, err := get(url)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
