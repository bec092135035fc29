package trusted

import (
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
)

func TestEmbeddedDataLoadsAndValidates(t *testing.T) {
	c, err := loadEmbedded()
	if err != nil {
		t.Fatalf("embedded catalogue: %v", err)
	}
	if got := len(c.Services()); got < 40 {
		t.Errorf("catalogue has %d services, want at least 40", got)
	}
	first, second := Default(), Default()
	if first != second {
		t.Error("Default built the catalogue twice")
	}
	if !reflect.DeepEqual(Default().Services(), c.Services()) {
		t.Error("Default differs from a fresh load of the embedded files")
	}

	for _, s := range c.Services() {
		if len(s.Sources) == 0 {
			t.Errorf("%s: no sources", s.Principal)
		}
		for _, slr := range s.ServiceLinkedRoles {
			def, ok := c.Role(slr.ServicePrincipal)
			if !ok {
				t.Errorf("%s: SLR %s trusts %s, which has no registry role", s.Principal, slr.RoleName, slr.ServicePrincipal)
				continue
			}
			if def.RoleName != slr.RoleName || def.PolicyARN != slr.PolicyARN || def.Description != slr.Description {
				t.Errorf("%s: SLR %+v disagrees with registry %+v", s.Principal, slr, def)
			}
		}
	}
	for _, r := range c.Roles() {
		if len(r.Sources) == 0 {
			t.Errorf("role %s: no sources", r.ServicePrincipal)
		}
	}
}

func TestSeedServices(t *testing.T) {
	tests := []struct {
		principal, name   string
		roleName, trustee string
		path              string
		createdIn         string
		daMax             int
		enable, disable   string
		policyARN         string
	}{
		{
			principal: "selfservicereporting.managedservices.amazonaws.com",
			name:      "AWS Managed Services (AMS) Self-Service Reporting (SSR)",
			roleName:  "AWSServiceRoleForManagedServices_SelfServiceReporting",
			trustee:   "selfservicereporting.managedservices.amazonaws.com",
			path:      "/aws-service-role/selfservicereporting.managedservices.amazonaws.com/",
			createdIn: CreatedInManagement, daMax: 1,
			enable: ViaServiceOrOrganizations, disable: ViaOrganizationsOnly,
			policyARN: "", // not published; see the parity note
		},
		{
			principal: "ssm.amazonaws.com",
			name:      "AWS Systems Manager",
			roleName:  "AWSServiceRoleForAmazonSSM_AccountDiscovery",
			trustee:   "accountdiscovery.ssm.amazonaws.com",
			path:      "/aws-service-role/accountdiscovery.ssm.amazonaws.com/",
			createdIn: CreatedInManagement, daMax: 1,
			enable: ViaServiceOrOrganizations, disable: ViaServiceOrOrganizations,
			policyARN: "arn:aws:iam::aws:policy/aws-service-role/AWSSystemsManagerAccountDiscoveryServicePolicy",
		},
		{
			principal: "auditmanager.amazonaws.com",
			name:      "AWS Audit Manager",
			roleName:  "AWSServiceRoleForAuditManager",
			trustee:   "auditmanager.amazonaws.com",
			path:      "/aws-service-role/auditmanager.amazonaws.com/",
			createdIn: CreatedInManagement, daMax: 1,
			enable: ViaServiceOrOrganizations, disable: ViaOrganizationsOnly,
			policyARN: "arn:aws:iam::aws:policy/aws-service-role/AWSAuditManagerServiceRolePolicy",
		},
	}
	c := Default()
	for _, tt := range tests {
		t.Run(tt.principal, func(t *testing.T) {
			s, ok := c.Service(tt.principal)
			if !ok {
				t.Fatalf("no service %s", tt.principal)
			}
			if s.Name != tt.name {
				t.Errorf("Name = %q, want %q", s.Name, tt.name)
			}
			if len(s.ServiceLinkedRoles) != 1 {
				t.Fatalf("ServiceLinkedRoles = %+v, want exactly one", s.ServiceLinkedRoles)
			}
			slr := s.ServiceLinkedRoles[0]
			if slr.RoleName != tt.roleName || slr.ServicePrincipal != tt.trustee || slr.CreatedIn != tt.createdIn {
				t.Errorf("SLR = %+v, want %s trusting %s created in %s", slr, tt.roleName, tt.trustee, tt.createdIn)
			}
			if slr.Path() != tt.path {
				t.Errorf("Path = %q, want %q", slr.Path(), tt.path)
			}
			if slr.PolicyARN != tt.policyARN {
				t.Errorf("PolicyARN = %q, want %q", slr.PolicyARN, tt.policyARN)
			}
			if !s.SupportsDelegatedAdmin() || s.DelegatedAdmin.Max != tt.daMax {
				t.Errorf("DelegatedAdmin = %+v, want max %d", s.DelegatedAdmin, tt.daMax)
			}
			if s.Enable != tt.enable || s.Disable != tt.disable {
				t.Errorf("Enable/Disable = %s/%s, want %s/%s", s.Enable, s.Disable, tt.enable, tt.disable)
			}
			if got := s.ManagementRoles(); len(got) != 1 || got[0] != slr {
				t.Errorf("ManagementRoles = %+v", got)
			}
			if got := s.MemberRoles(); len(got) != 0 {
				t.Errorf("MemberRoles = %+v, want none", got)
			}
			if !contains(s.Sources, "seed") {
				t.Errorf("Sources = %v, want seed among them", s.Sources)
			}

			def, ok := c.Role(tt.trustee)
			if !ok {
				t.Fatalf("no registry role for %s", tt.trustee)
			}
			if def.RoleName != tt.roleName || def.Path() != tt.path || def.CustomSuffixAllowed {
				t.Errorf("registry role = %+v", def)
			}
		})
	}
}

func TestOrganizationsIsARoleNotAService(t *testing.T) {
	c := Default()
	if s, ok := c.Service(OrganizationsPrincipal); ok {
		t.Errorf("Service(%s) = %+v, want none", OrganizationsPrincipal, s)
	}
	def, ok := c.Role(OrganizationsPrincipal)
	if !ok {
		t.Fatalf("no registry role for %s", OrganizationsPrincipal)
	}
	want := "arn:aws:iam::aws:policy/aws-service-role/AWSOrganizationsServiceTrustPolicy"
	if def.RoleName != "AWSServiceRoleForOrganizations" || def.PolicyARN != want {
		t.Errorf("role = %+v", def)
	}
	slr := def.ServiceLinkedRole()
	if slr.RoleName != def.RoleName || slr.ServicePrincipal != OrganizationsPrincipal ||
		!reflect.DeepEqual(slr.PolicyARNs, []string{want}) || slr.Description == "" {
		t.Errorf("ServiceLinkedRole() = %+v", slr)
	}
}

func TestRegistry(t *testing.T) {
	tests := []struct {
		principal, roleName, policy string
		suffix                      bool
	}{
		{"ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM", "AmazonSSMServiceRolePolicy", false},
		{"accountdiscovery.ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM_AccountDiscovery", "AWSSystemsManagerAccountDiscoveryServicePolicy", false},
		{"opsdatasync.ssm.amazonaws.com", "AWSServiceRoleForSystemsManagerOpsDataSync", "AWSSystemsManagerOpsDataSyncServiceRolePolicy", false},
		{"es.amazonaws.com", "AWSServiceRoleForAmazonElasticsearchService", "AmazonElasticsearchServiceRolePolicy", false},
		{"autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy", true},
		{"spot.amazonaws.com", "AWSServiceRoleForEC2Spot", "AWSEC2SpotServiceRolePolicy", false},
		{"ecs.amazonaws.com", "AWSServiceRoleForECS", "AmazonECSServiceRolePolicy", false},
		{"elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalk", "AWSElasticBeanstalkServiceRolePolicy", true},
		{"cost-optimization-hub.bcm.amazonaws.com", "AWSServiceRoleForCostOptimizationHub", "CostOptimizationHubServiceRolePolicy", false},
		{"member.org.stacksets.cloudformation.amazonaws.com", "AWSServiceRoleForCloudFormationStackSetsOrgMember", "CloudFormationStackSetsOrgMemberServiceRolePolicy", false},
	}
	c := Default()
	for _, tt := range tests {
		t.Run(tt.principal, func(t *testing.T) {
			def, ok := c.Role(tt.principal)
			if !ok {
				t.Fatalf("no role for %s", tt.principal)
			}
			if def.RoleName != tt.roleName || def.PolicyARN != "arn:aws:iam::aws:policy/aws-service-role/"+tt.policy || def.CustomSuffixAllowed != tt.suffix {
				t.Errorf("role = %+v", def)
			}
		})
	}
	if _, ok := c.Role("SSM.amazonaws.com"); ok {
		t.Error("Role matched a principal case-insensitively")
	}
	if _, ok := c.Service("SSM.amazonaws.com"); ok {
		t.Error("Service matched a principal case-insensitively")
	}
	roles := c.Roles()
	if !sort.SliceIsSorted(roles, func(i, j int) bool { return roles[i].ServicePrincipal < roles[j].ServicePrincipal }) {
		t.Error("Roles() is not ordered by service principal")
	}
}

func TestManagementAndMemberRoles(t *testing.T) {
	s, ok := Default().Service("member.org.stacksets.cloudformation.amazonaws.com")
	if !ok {
		t.Fatal("no StackSets service")
	}
	if got := names(s.ManagementRoles()); !reflect.DeepEqual(got, []string{"AWSServiceRoleForCloudFormationStackSetsOrgAdmin"}) {
		t.Errorf("ManagementRoles = %v", got)
	}
	if got := names(s.MemberRoles()); !reflect.DeepEqual(got, []string{"AWSServiceRoleForCloudFormationStackSetsOrgMember"}) {
		t.Errorf("MemberRoles = %v", got)
	}
	if s.DelegatedAdmin == nil || s.DelegatedAdmin.Max != 5 {
		t.Errorf("DelegatedAdmin = %+v, want max 5", s.DelegatedAdmin)
	}

	all := &Service{ServiceLinkedRoles: []SLR{{RoleName: "AWSServiceRoleForX", CreatedIn: CreatedInAll}}}
	if len(all.ManagementRoles()) != 1 || len(all.MemberRoles()) != 1 {
		t.Error("a role created in all accounts must be both a management and a member role")
	}
}

func TestServicesOrder(t *testing.T) {
	c := Default()
	first := c.Services()
	if !sort.SliceIsSorted(first, func(i, j int) bool { return less(first[i], first[j]) }) {
		t.Fatal("Services() is not ordered by Name, then Principal")
	}
	for i := 0; i < 5; i++ {
		if !reflect.DeepEqual(principals(c.Services()), principals(first)) {
			t.Fatal("Services() order changed between calls")
		}
	}
	// Two principals share the name "AWS Config": the principal breaks the tie.
	var config []string
	for _, s := range first {
		if s.Name == "AWS Config" {
			config = append(config, s.Principal)
		}
	}
	if !reflect.DeepEqual(config, []string{"config-multiaccountsetup.amazonaws.com", "config.amazonaws.com"}) {
		t.Errorf("AWS Config principals in order %v", config)
	}

	ext, err := c.Extend(strings.NewReader(`{"services":[{"principal":"a.example.amazonaws.com","name":"AAA first",
		"serviceLinkedRoles":[],"enable":"service-only","disable":"service-only"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := ext.Services()
	if got[0].Principal != "a.example.amazonaws.com" || len(got) != len(first)+1 {
		t.Errorf("extended order starts %s, len %d", got[0].Principal, len(got))
	}
}

func TestReturnedValuesAreCopies(t *testing.T) {
	c := Default()
	s, _ := c.Service("ssm.amazonaws.com")
	s.Name = "changed"
	s.ServiceLinkedRoles[0].RoleName = "changed"
	s.DelegatedAdmin.Max = 99
	s.Sources[0] = "changed"
	c.Services()[0].Name = "changed"
	r, _ := c.Role("ssm.amazonaws.com")
	r.RoleName = "changed"
	r.Sources[0] = "changed"

	s2, _ := c.Service("ssm.amazonaws.com")
	if s2.Name != "AWS Systems Manager" || s2.ServiceLinkedRoles[0].RoleName != "AWSServiceRoleForAmazonSSM_AccountDiscovery" ||
		s2.DelegatedAdmin.Max != 1 || s2.Sources[0] == "changed" {
		t.Errorf("catalogue changed through a returned value: %+v", s2)
	}
	if c.Services()[0].Name == "changed" {
		t.Error("catalogue changed through Services()")
	}
	r2, _ := c.Role("ssm.amazonaws.com")
	if r2.RoleName != "AWSServiceRoleForAmazonSSM" || r2.Sources[0] == "changed" {
		t.Errorf("registry changed through a returned value: %+v", r2)
	}
}

func TestExtendAddsAndReplaces(t *testing.T) {
	base := Default()
	doc := `{
	  "services": [
	    {"principal": "widgets.amazonaws.com", "name": "Amazon Widgets",
	     "serviceLinkedRoles": [{"roleName": "AWSServiceRoleForWidgets", "servicePrincipal": "org.widgets.amazonaws.com", "createdIn": "members"}],
	     "delegatedAdministrator": {"max": 3},
	     "enable": "service-or-organizations", "disable": "organizations-only",
	     "sources": ["docs"], "unconfirmed": ["delegatedAdministrator.max"]},
	    {"principal": "ssm.amazonaws.com", "name": "AWS Systems Manager",
	     "serviceLinkedRoles": [{"roleName": "AWSServiceRoleForAmazonSSM_AccountDiscovery", "servicePrincipal": "accountdiscovery.ssm.amazonaws.com", "createdIn": "all"}],
	     "delegatedAdministrator": {"max": 2},
	     "enable": "service-or-organizations", "disable": "service-or-organizations"}
	  ],
	  "serviceLinkedRoles": [
	    {"servicePrincipal": "org.widgets.amazonaws.com", "roleName": "AWSServiceRoleForWidgets",
	     "policyArn": "arn:aws:iam::aws:policy/aws-service-role/WidgetsServiceRolePolicy", "description": "Widgets."},
	    {"servicePrincipal": "auditmanager.amazonaws.com", "roleName": "AWSServiceRoleForAuditManager",
	     "policyArn": "arn:aws:iam::aws:policy/aws-service-role/AuditManagerReplacement", "customSuffixAllowed": true}
	  ]
	}`
	ext, err := base.Extend(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("Extend: %v", err)
	}

	w, ok := ext.Service("widgets.amazonaws.com")
	if !ok {
		t.Fatal("new service missing")
	}
	wantSLR := SLR{RoleName: "AWSServiceRoleForWidgets", ServicePrincipal: "org.widgets.amazonaws.com", CreatedIn: CreatedInMembers,
		PolicyARN: "arn:aws:iam::aws:policy/aws-service-role/WidgetsServiceRolePolicy", Description: "Widgets."}
	if !reflect.DeepEqual(w.ServiceLinkedRoles, []SLR{wantSLR}) || w.DelegatedAdmin.Max != 3 {
		t.Errorf("new service = %+v", w)
	}
	if len(ext.Services()) != len(base.Services())+1 {
		t.Errorf("extended catalogue has %d services, want %d", len(ext.Services()), len(base.Services())+1)
	}

	ssm, _ := ext.Service("ssm.amazonaws.com")
	if ssm.DelegatedAdmin.Max != 2 || ssm.ServiceLinkedRoles[0].CreatedIn != CreatedInAll {
		t.Errorf("replaced service = %+v", ssm)
	}
	if ssm.ServiceLinkedRoles[0].PolicyARN != "arn:aws:iam::aws:policy/aws-service-role/AWSSystemsManagerAccountDiscoveryServicePolicy" {
		t.Errorf("replaced service's SLR was not filled from the registry: %+v", ssm.ServiceLinkedRoles[0])
	}

	am, _ := ext.Service("auditmanager.amazonaws.com")
	if am.ServiceLinkedRoles[0].PolicyARN != "arn:aws:iam::aws:policy/aws-service-role/AuditManagerReplacement" {
		t.Errorf("kept service did not follow its replaced registry role: %+v", am.ServiceLinkedRoles[0])
	}
	if r, _ := ext.Role("auditmanager.amazonaws.com"); !r.CustomSuffixAllowed {
		t.Errorf("replaced role = %+v", r)
	}

	// The base catalogue is untouched.
	if s, _ := base.Service("ssm.amazonaws.com"); s.DelegatedAdmin.Max != 1 {
		t.Error("Extend changed the base catalogue")
	}
	if _, ok := base.Service("widgets.amazonaws.com"); ok {
		t.Error("Extend added to the base catalogue")
	}
	if r, _ := base.Role("auditmanager.amazonaws.com"); r.CustomSuffixAllowed {
		t.Error("Extend changed the base registry")
	}

	// An empty document is accepted and changes nothing.
	same, err := base.Extend(strings.NewReader(`{}`))
	if err != nil || !reflect.DeepEqual(same.Services(), base.Services()) || !reflect.DeepEqual(same.Roles(), base.Roles()) {
		t.Errorf("Extend({}) = %v, changed catalogue", err)
	}
}

func TestExtendRejects(t *testing.T) {
	// svc builds a one-service document; fields are spliced in raw.
	svc := func(fields string) string {
		return `{"services":[{"principal":"x.amazonaws.com","name":"X","serviceLinkedRoles":[],` +
			`"enable":"service-only","disable":"service-only"` + fields + `}]}`
	}
	slr := func(s string) string {
		return `{"services":[{"principal":"x.amazonaws.com","name":"X","serviceLinkedRoles":[` + s + `],` +
			`"enable":"service-only","disable":"service-only"}]}`
	}
	tests := []struct {
		name, doc string
		want      []string // substrings the error must contain
	}{
		{"not JSON", `{"services":`, []string{"trusted: document"}},
		{"trailing data", `{} {}`, []string{"after the JSON document"}},
		{"unknown field", svc(`,"colour":"blue"`), []string{`unknown field "colour"`}},
		{"bad principal", `{"services":[{"principal":"bad principal!","name":"X","serviceLinkedRoles":[],"enable":"service-only","disable":"service-only"}]}`,
			[]string{"services[0] (bad principal!).principal"}},
		{"long principal", `{"services":[{"principal":"` + strings.Repeat("a", 129) + `","name":"X","enable":"service-only","disable":"service-only"}]}`,
			[]string{".principal", "1-128"}},
		{"organizations principal", `{"services":[{"principal":"organizations.amazonaws.com","name":"X","enable":"service-only","disable":"service-only"}]}`,
			[]string{"services[0] (organizations.amazonaws.com).principal", "not a trusted service"}},
		{"missing name", `{"services":[{"principal":"x.amazonaws.com","enable":"service-only","disable":"service-only"}]}`,
			[]string{"services[0] (x.amazonaws.com).name"}},
		{"bad enable", `{"services":[{"principal":"x.amazonaws.com","name":"X","enable":"console","disable":"service-only"}]}`,
			[]string{"services[0] (x.amazonaws.com).enable", `"console" is not one of`}},
		{"missing disable", `{"services":[{"principal":"x.amazonaws.com","name":"X","enable":"service-only"}]}`,
			[]string{".disable"}},
		{"delegated admin max 0", svc(`,"delegatedAdministrator":{"max":0}`), []string{"delegatedAdministrator.max", "less than 1"}},
		{"unknown unconfirmed field", svc(`,"unconfirmed":["delegatedAdmin.max"]`), []string{"unconfirmed[0]", `"delegatedAdmin.max" is not a field`}},
		{"empty source", svc(`,"sources":[""]`), []string{"sources[0]"}},
		{"SLR role name prefix", slr(`{"roleName":"SSMRole","servicePrincipal":"ssm.amazonaws.com","createdIn":"management"}`),
			[]string{"serviceLinkedRoles[0].roleName", "AWSServiceRoleFor"}},
		{"SLR role name too long", slr(`{"roleName":"AWSServiceRoleFor` + strings.Repeat("x", 48) + `","servicePrincipal":"ssm.amazonaws.com","createdIn":"management"}`),
			[]string{"serviceLinkedRoles[0].roleName", "1-64"}},
		{"SLR createdIn", slr(`{"roleName":"AWSServiceRoleForAmazonSSM","servicePrincipal":"ssm.amazonaws.com","createdIn":"everywhere"}`),
			[]string{"serviceLinkedRoles[0].createdIn", `"everywhere"`}},
		{"SLR without registry role", slr(`{"roleName":"AWSServiceRoleForNobody","servicePrincipal":"nobody.amazonaws.com","createdIn":"all"}`),
			[]string{"services[0] (x.amazonaws.com): serviceLinkedRoles[0].servicePrincipal", "no service-linked role is registered"}},
		{"SLR role name differs from registry", slr(`{"roleName":"AWSServiceRoleForSSM","servicePrincipal":"ssm.amazonaws.com","createdIn":"all"}`),
			[]string{"serviceLinkedRoles[0].roleName", "AWSServiceRoleForAmazonSSM"}},
		{"SLR policy differs from registry", slr(`{"roleName":"AWSServiceRoleForAmazonSSM","servicePrincipal":"ssm.amazonaws.com","createdIn":"all","policyArn":"arn:aws:iam::aws:policy/aws-service-role/Other"}`),
			[]string{"serviceLinkedRoles[0].policyArn", "differs from the registry"}},
		{"duplicate service", `{"services":[
			{"principal":"x.amazonaws.com","name":"X","enable":"service-only","disable":"service-only"},
			{"principal":"x.amazonaws.com","name":"X2","enable":"service-only","disable":"service-only"}]}`,
			[]string{"services[1] (x.amazonaws.com).principal: duplicate of services[0]"}},
		{"duplicate role", `{"serviceLinkedRoles":[
			{"servicePrincipal":"x.amazonaws.com","roleName":"AWSServiceRoleForX"},
			{"servicePrincipal":"x.amazonaws.com","roleName":"AWSServiceRoleForY"}]}`,
			[]string{"serviceLinkedRoles[1] (x.amazonaws.com).servicePrincipal: duplicate of serviceLinkedRoles[0]"}},
		{"role name taken by another principal", `{"serviceLinkedRoles":[{"servicePrincipal":"x.amazonaws.com","roleName":"AWSServiceRoleForAmazonSSM"}]}`,
			[]string{`role name "AWSServiceRoleForAmazonSSM" is defined for both`}},
		{"role bad principal", `{"serviceLinkedRoles":[{"servicePrincipal":"","roleName":"AWSServiceRoleForX"}]}`,
			[]string{"serviceLinkedRoles[0].servicePrincipal"}},
		{"role bad policy ARN", `{"serviceLinkedRoles":[{"servicePrincipal":"x.amazonaws.com","roleName":"AWSServiceRoleForX","policyArn":"arn:aws:iam::123456789012:policy/Mine"}]}`,
			[]string{"serviceLinkedRoles[0] (x.amazonaws.com).policyArn", "AWS-managed"}},
		{"role description too long", `{"serviceLinkedRoles":[{"servicePrincipal":"x.amazonaws.com","roleName":"AWSServiceRoleForX","description":"` + strings.Repeat("d", 1001) + `"}]}`,
			[]string{"serviceLinkedRoles[0] (x.amazonaws.com).description"}},
		{"role unknown unconfirmed field", `{"serviceLinkedRoles":[{"servicePrincipal":"x.amazonaws.com","roleName":"AWSServiceRoleForX","unconfirmed":["suffix"]}]}`,
			[]string{"serviceLinkedRoles[0] (x.amazonaws.com).unconfirmed[0]"}},
		{"replacing a role breaks a kept service", `{"serviceLinkedRoles":[{"servicePrincipal":"auditmanager.amazonaws.com","roleName":"AWSServiceRoleForAuditManagerV2"}]}`,
			[]string{"service auditmanager.amazonaws.com: serviceLinkedRoles[0].roleName"}},
	}
	base := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := base.Extend(strings.NewReader(tt.doc))
			if err == nil {
				t.Fatalf("Extend accepted the document: %d services", len(c.Services()))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestExtendReportsEveryProblem(t *testing.T) {
	_, err := Default().Extend(strings.NewReader(`{"services":[
		{"principal":"a.amazonaws.com","name":"","enable":"x","disable":"service-only"},
		{"principal":"b.amazonaws.com","name":"B","enable":"service-only","disable":"service-only","delegatedAdministrator":{"max":-1}}]}`))
	if err == nil {
		t.Fatal("Extend accepted the document")
	}
	for _, w := range []string{"services[0] (a.amazonaws.com).name", "services[0] (a.amazonaws.com).enable", "services[1] (b.amazonaws.com).delegatedAdministrator.max"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := Default()
			for _, s := range c.Services() {
				got, ok := c.Service(s.Principal)
				if !ok || got.Principal != s.Principal {
					t.Errorf("Service(%s) = %v, %v", s.Principal, got, ok)
				}
				for _, r := range s.ServiceLinkedRoles {
					if _, ok := c.Role(r.ServicePrincipal); !ok {
						t.Errorf("Role(%s) missing", r.ServicePrincipal)
					}
				}
			}
			if _, err := c.Extend(strings.NewReader(`{}`)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func less(a, b *Service) bool {
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.Principal < b.Principal
}

func principals(ss []*Service) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Principal)
	}
	return out
}

func names(rs []SLR) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.RoleName)
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
