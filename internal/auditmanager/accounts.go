package auditmanager

import (
	"context"
	"errors"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// Store layout:
//
//	am/<account>/<region>/account    accountRecord
//	amorg/<org>/<region>             orgAdminRecord (the region's delegated administrator)
func kAccount(account, region string) string { return prefix(account, region) + "account" }
func kOrgAdmin(org, region string) string    { return "amorg/" + org + "/" + region }
func kOrgAdminPrefix(org string) string      { return "amorg/" + org + "/" }

type accountRecord struct {
	Status     string    `json:"status"`
	KmsKey     string    `json:"kmsKey,omitempty"`
	Registered time.Time `json:"registered"`
	Settings   Settings  `json:"settings"`
}

type orgAdminRecord struct {
	Admin      string    `json:"admin"`
	Registered time.Time `json:"registered"`
}

func getAccount(tx store.Tx, account, region string) (*accountRecord, error) {
	var a accountRecord
	err := store.GetJSON(tx, kAccount(account, region), &a)
	if errors.Is(err, store.ErrNotFound) {
		return &accountRecord{Status: string(AccountStatusInactive)}, nil
	}
	return &a, err
}

func requireRegistered(sc *scope) error {
	a, err := getAccount(sc.tx, sc.account, sc.region)
	if err != nil {
		return err
	}
	if a.Status != string(AccountStatusActive) {
		return errNotRegistered()
	}
	return nil
}

// activate registers an account in a region and creates Audit Manager's
// service-linked role there.
func (s *Service) activate(tx store.Tx, now time.Time, partition, account, region, kmsKey string) error {
	a, err := getAccount(tx, account, region)
	if err != nil {
		return err
	}
	if a.Status != string(AccountStatusActive) {
		a.Status, a.Registered = string(AccountStatusActive), now
	}
	if kmsKey != "" {
		a.KmsKey = kmsKey
	}
	if a.KmsKey == "" {
		a.KmsKey = "DEFAULT"
	}
	if err := store.PutJSON(tx, kAccount(account, region), a); err != nil {
		return err
	}
	if def, ok := s.opt.Catalogue.Role(principal); ok {
		if _, err := s.opt.Roles.EnsureServiceLinkedRole(tx, now, partition, account, def.ServiceLinkedRole()); err != nil {
			return err
		}
	}
	return nil
}

// RegisterAccount enables Audit Manager for the caller's account in its
// region. From the management account, delegatedAdminAccount also makes
// that account the organization's delegated administrator in the region
// (see RegisterOrganizationAdminAccount).
func (s *Service) RegisterAccount(ctx context.Context, in *RegisterAccountRequest) (*RegisterAccountResponse, error) {
	err := s.write(ctx, func(sc *scope) error {
		if err := s.activate(sc.tx, sc.now, sc.caller.Partition(), sc.account, sc.region, in.KmsKey); err != nil {
			return err
		}
		if in.DelegatedAdminAccount != "" {
			_, err := s.registerOrgAdmin(sc, in.DelegatedAdminAccount)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &RegisterAccountResponse{Status: AccountStatusActive}, nil
}

// DeregisterAccount disables Audit Manager for the caller's account in its
// region. Its data stays unless the deregistration policy says ALL. The
// management account also removes the region's delegated administrator.
func (s *Service) DeregisterAccount(ctx context.Context, _ *DeregisterAccountRequest) (*DeregisterAccountResponse, error) {
	err := s.writeRegistered(ctx, func(sc *scope) error {
		a, err := getAccount(sc.tx, sc.account, sc.region)
		if err != nil {
			return err
		}
		if org, mgmt, ok, err := s.opt.Org.OrganizationOf(sc.tx, sc.account); err != nil {
			return err
		} else if ok && mgmt == sc.account {
			if err := s.removeOrgAdmin(sc.tx, sc.now, org, sc.region, ""); err != nil && !isNotFound(err) {
				return err
			}
		}
		if a.Settings.DeregistrationPolicy != nil && a.Settings.DeregistrationPolicy.DeleteResources == DeleteResourcesAll {
			if err := store.DeletePrefix(sc.tx, sc.prefix()); err != nil {
				return err
			}
			a = &accountRecord{}
		}
		a.Status = string(AccountStatusInactive)
		return store.PutJSON(sc.tx, kAccount(sc.account, sc.region), a)
	})
	if err != nil {
		return nil, err
	}
	return &DeregisterAccountResponse{Status: AccountStatusInactive}, nil
}

func isNotFound(err error) bool {
	e, ok := orgstack.AsError(err)
	return ok && e.Code == "ResourceNotFoundException"
}

// GetAccountStatus tells whether Audit Manager is enabled for the
// caller's account in its region. It answers every account.
func (s *Service) GetAccountStatus(ctx context.Context, _ *GetAccountStatusRequest) (*GetAccountStatusResponse, error) {
	var out *GetAccountStatusResponse
	err := s.read(ctx, func(sc *scope) error {
		a, err := getAccount(sc.tx, sc.account, sc.region)
		if err != nil {
			return err
		}
		out = &GetAccountStatusResponse{Status: AccountStatus(a.Status)}
		return nil
	})
	return out, err
}

// GetSettings returns the caller's settings: one attribute, or ALL.
// isAwsOrgEnabled says whether Audit Manager has trusted access in the
// account's organization.
func (s *Service) GetSettings(ctx context.Context, in *GetSettingsRequest) (*GetSettingsResponse, error) {
	var out *GetSettingsResponse
	err := s.readRegistered(ctx, func(sc *scope) error {
		a, err := getAccount(sc.tx, sc.account, sc.region)
		if err != nil {
			return err
		}
		all := a.Settings
		all.KmsKey = a.KmsKey
		enabled := false
		if org, _, ok, err := s.opt.Org.OrganizationOf(sc.tx, sc.account); err != nil {
			return err
		} else if ok {
			if enabled, _, err = s.opt.Org.AccessEnabled(sc.tx, org, principal); err != nil {
				return err
			}
		}
		all.IsAwsOrgEnabled = &enabled
		if all.DeregistrationPolicy == nil {
			all.DeregistrationPolicy = &DeregistrationPolicy{DeleteResources: DeleteResourcesDefault}
		}
		var one Settings
		switch in.Attribute {
		case SettingAttributeAll:
			one = all
		case SettingAttributeIsAwsOrgEnabled:
			one.IsAwsOrgEnabled = all.IsAwsOrgEnabled
		case SettingAttributeSnsTopic:
			one.SnsTopic = all.SnsTopic
		case SettingAttributeDefaultAssessmentReportsDestination:
			one.DefaultAssessmentReportsDestination = all.DefaultAssessmentReportsDestination
		case SettingAttributeDefaultProcessOwners:
			one.DefaultProcessOwners = all.DefaultProcessOwners
		case SettingAttributeEvidenceFinderEnablement:
			one.EvidenceFinderEnablement = all.EvidenceFinderEnablement
		case SettingAttributeDeregistrationPolicy:
			one.DeregistrationPolicy = all.DeregistrationPolicy
		case SettingAttributeDefaultExportDestination:
			one.DefaultExportDestination = all.DefaultExportDestination
		}
		out = &GetSettingsResponse{Settings: &one}
		return nil
	})
	return out, err
}

// UpdateSettings changes the caller's settings.
func (s *Service) UpdateSettings(ctx context.Context, in *UpdateSettingsRequest) (*UpdateSettingsResponse, error) {
	var out *UpdateSettingsResponse
	err := s.writeRegistered(ctx, func(sc *scope) error {
		a, err := getAccount(sc.tx, sc.account, sc.region)
		if err != nil {
			return err
		}
		st := &a.Settings
		if in.SnsTopic != "" {
			st.SnsTopic = in.SnsTopic
		}
		if in.DefaultAssessmentReportsDestination != nil {
			st.DefaultAssessmentReportsDestination = in.DefaultAssessmentReportsDestination
		}
		if in.DefaultProcessOwners != nil {
			st.DefaultProcessOwners = in.DefaultProcessOwners
		}
		if in.KmsKey != "" {
			a.KmsKey = in.KmsKey
		}
		if in.DeregistrationPolicy != nil {
			st.DeregistrationPolicy = in.DeregistrationPolicy
		}
		if in.DefaultExportDestination != nil {
			st.DefaultExportDestination = in.DefaultExportDestination
		}
		if in.EvidenceFinderEnabled != nil {
			status := EvidenceFinderEnablementStatusDisabled
			if *in.EvidenceFinderEnabled {
				status = EvidenceFinderEnablementStatusEnabled
			}
			st.EvidenceFinderEnablement = &EvidenceFinderEnablement{EnablementStatus: status}
		}
		if err := store.PutJSON(sc.tx, kAccount(sc.account, sc.region), a); err != nil {
			return err
		}
		settings := a.Settings
		settings.KmsKey = a.KmsKey
		out = &UpdateSettingsResponse{Settings: &settings}
		return nil
	})
	return out, err
}
