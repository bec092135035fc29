package auditmanager

import (
	"context"
	"encoding/json"
	"time"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// controlRecord is a custom control as stored under kControl.
type controlRecord struct {
	ID                     string            `json:"id"`
	Name                   string            `json:"name"`
	Description            string            `json:"description,omitempty"`
	TestingInformation     string            `json:"testingInformation,omitempty"`
	ActionPlanTitle        string            `json:"actionPlanTitle,omitempty"`
	ActionPlanInstructions string            `json:"actionPlanInstructions,omitempty"`
	Sources                []sourceRecord    `json:"sources"`
	Tags                   map[string]string `json:"tags,omitempty"`
	Created                time.Time         `json:"created"`
	Updated                time.Time         `json:"updated"`
	CreatedBy              string            `json:"createdBy"`
	UpdatedBy              string            `json:"updatedBy"`
}

// sourceRecord is one data mapping source of a control. ID is a UUID that
// stays the same while the source exists.
type sourceRecord struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	Description         string `json:"description,omitempty"`
	SetUpOption         string `json:"setUpOption"`
	Type                string `json:"type"`
	KeywordInputType    string `json:"keywordInputType,omitempty"`
	KeywordValue        string `json:"keywordValue,omitempty"`
	Frequency           string `json:"frequency,omitempty"`
	TroubleshootingText string `json:"troubleshootingText,omitempty"`
}

// automated reports whether a source type collects evidence by itself
// (and so needs a keyword selected from AWS's list).
func automated(t SourceType) bool {
	switch t {
	case SourceTypeAWSAPICall, SourceTypeAWSCloudtrail, SourceTypeAWSConfig, SourceTypeAWSSecurityHub:
		return true
	}
	return false
}

// newSource checks one mapping source of CreateControl or UpdateControl
// (field names the request member, for errors) and returns it with id.
// sourceName and sourceType are required; a missing sourceSetUpOption is
// inferred from the type (Procedural_Controls_Mapping for MANUAL,
// System_Controls_Mapping otherwise), as the model documents; automated
// types need a SELECT_FROM_LIST keyword and default to DAILY collection
// when they are AWS API calls (as AWS's standard controls show). The
// wording of the errors is unconfirmed.
func newSource(field, id, name, description string, setUp SourceSetUpOption, typ SourceType, kw *SourceKeyword, freq SourceFrequency, troubleshooting string) (sourceRecord, error) {
	if name == "" {
		return sourceRecord{}, errField(field+".sourceName", "Each control mapping source needs a sourceName.")
	}
	if typ == "" {
		return sourceRecord{}, errField(field+".sourceType", "Each control mapping source needs a sourceType.")
	}
	want := SourceSetUpOptionSystemControlsMapping
	if typ == SourceTypeManual {
		want = SourceSetUpOptionProceduralControlsMapping
	}
	if setUp == "" {
		setUp = want
	} else if setUp != want && (typ == SourceTypeManual || automated(typ)) {
		return sourceRecord{}, errField(field+".sourceSetUpOption",
			"The sourceSetUpOption "+string(setUp)+" doesn't match the sourceType "+string(typ)+".")
	}
	r := sourceRecord{ID: id, Name: name, Description: description, SetUpOption: string(setUp), Type: string(typ),
		Frequency: string(freq), TroubleshootingText: troubleshooting}
	if kw != nil {
		r.KeywordInputType, r.KeywordValue = string(kw.KeywordInputType), kw.KeywordValue
	}
	switch {
	case automated(typ):
		if r.KeywordInputType != string(KeywordInputTypeSelectFromList) || r.KeywordValue == "" {
			return sourceRecord{}, errField(field+".sourceKeyword",
				"A "+string(typ)+" source needs a sourceKeyword with keywordInputType SELECT_FROM_LIST and a keywordValue.")
		}
		if typ == SourceTypeAWSAPICall && r.Frequency == "" {
			r.Frequency = string(SourceFrequencyDaily)
		}
	case typ == SourceTypeManual:
		if r.KeywordInputType == string(KeywordInputTypeSelectFromList) {
			return sourceRecord{}, errField(field+".sourceKeyword",
				"A MANUAL source takes a keywordInputType of UPLOAD_FILE or INPUT_TEXT.")
		}
	}
	return r, nil
}

// types lists the source types of a control, in order.
func (c *controlRecord) types() []string {
	out := make([]string, len(c.Sources))
	for i, s := range c.Sources {
		out[i] = s.Type
	}
	return out
}

// control renders the record as the API's Control.
func (c *controlRecord) control(sc *scope) *Control {
	out := &Control{
		Arn: libraryARN(sc, "control", c.ID), Id: c.ID, Type: ControlTypeCustom, Name: c.Name,
		Description: c.Description, TestingInformation: c.TestingInformation,
		ActionPlanTitle: c.ActionPlanTitle, ActionPlanInstructions: c.ActionPlanInstructions,
		ControlSources: sourcesSummary(c.types()), ControlMappingSources: []ControlMappingSource{},
		CreatedAt: c.Created, LastUpdatedAt: c.Updated, CreatedBy: c.CreatedBy, LastUpdatedBy: c.UpdatedBy,
		Tags: tagsCopy(c.Tags), State: ControlStateActive,
	}
	for _, s := range c.Sources {
		m := ControlMappingSource{SourceId: s.ID, SourceName: s.Name, SourceDescription: s.Description,
			SourceSetUpOption: SourceSetUpOption(s.SetUpOption), SourceType: SourceType(s.Type),
			SourceFrequency: SourceFrequency(s.Frequency), TroubleshootingText: s.TroubleshootingText}
		if s.KeywordInputType != "" || s.KeywordValue != "" {
			m.SourceKeyword = &SourceKeyword{KeywordInputType: KeywordInputType(s.KeywordInputType), KeywordValue: s.KeywordValue}
		}
		out.ControlMappingSources = append(out.ControlMappingSources, m)
	}
	return out
}

// getControl reads one of the caller's custom controls
// (ResourceNotFoundException when it has none of that id).
func getControl(sc *scope, id string) (*controlRecord, error) {
	var c controlRecord
	if err := getRecord(sc.tx, kControl(sc.account, sc.region, id), resourceControl, id, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateControl creates a custom control in the caller's account and
// region. Its id is a UUID; each mapping source gets its own UUID.
func (s *Service) CreateControl(ctx context.Context, in *CreateControlRequest) (*CreateControlResponse, error) {
	var out *CreateControlResponse
	err := s.writeRegistered(ctx, func(sc *scope) error {
		c := &controlRecord{
			ID: orgstack.NewUUID(), Name: in.Name, Description: in.Description, TestingInformation: in.TestingInformation,
			ActionPlanTitle: in.ActionPlanTitle, ActionPlanInstructions: in.ActionPlanInstructions,
			Tags: tagsCopy(in.Tags), Created: sc.now, Updated: sc.now,
			CreatedBy: actorName(sc.caller), UpdatedBy: actorName(sc.caller),
		}
		for _, m := range in.ControlMappingSources {
			src, err := newSource("controlMappingSources", orgstack.NewUUID(), m.SourceName, m.SourceDescription,
				m.SourceSetUpOption, m.SourceType, m.SourceKeyword, m.SourceFrequency, m.TroubleshootingText)
			if err != nil {
				return err
			}
			c.Sources = append(c.Sources, src)
		}
		if err := store.PutJSON(sc.tx, kControl(sc.account, sc.region, c.ID), c); err != nil {
			return err
		}
		out = &CreateControlResponse{Control: c.control(sc)}
		return nil
	})
	return out, err
}

// GetControl returns one of the caller's custom controls.
func (s *Service) GetControl(ctx context.Context, in *GetControlRequest) (*GetControlResponse, error) {
	var out *GetControlResponse
	err := s.readRegistered(ctx, func(sc *scope) error {
		c, err := getControl(sc, in.ControlId)
		if err != nil {
			return err
		}
		out = &GetControlResponse{Control: c.control(sc)}
		return nil
	})
	return out, err
}

// ListControls lists controls of one type. Custom lists the caller's
// custom controls in its region; orgstack ships no standard or core
// controls, so Standard and Core list nothing. A controlCatalogId other
// than UNCATEGORIZED names a Control Catalog resource no custom control is
// mapped to, so it lists nothing either.
func (s *Service) ListControls(ctx context.Context, in *ListControlsRequest) (*ListControlsResponse, error) {
	var out *ListControlsResponse
	err := s.readRegistered(ctx, func(sc *scope) error {
		l, err := newListing(sc, "controls:"+string(in.ControlType)+":"+in.ControlCatalogId,
			kControlPrefix(sc.account, sc.region), in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out = &ListControlsResponse{ControlMetadataList: []ControlMetadata{}}
		if in.ControlType != ControlTypeCustom || (in.ControlCatalogId != "" && in.ControlCatalogId != "UNCATEGORIZED") {
			return nil
		}
		out.NextToken, err = l.page(sc.tx, nil, func(_ string, v []byte) error {
			var c controlRecord
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			out.ControlMetadataList = append(out.ControlMetadataList, ControlMetadata{
				Arn: libraryARN(sc, "control", c.ID), Id: c.ID, Name: c.Name,
				ControlSources: sourcesSummary(c.types()), CreatedAt: c.Created, LastUpdatedAt: c.Updated,
			})
			return nil
		})
		return err
	})
	return out, err
}
