package organizations

import (
	"context"
	"errors"
	"strings"

	"github.com/orgstack/orgstack"
	"github.com/orgstack/orgstack/internal/store"
)

// maxOUDepth is how many levels of OUs may sit below the root.
const maxOUDepth = 5

// maxOUs is the OUs-per-organization quota.
const maxOUs = 1000

// parentDepth returns the depth of a parent (0 for the root), or
// ParentNotFoundException.
func parentDepth(v *view, parentID string) (int, error) {
	if parentID == v.org.RootID {
		return 0, nil
	}
	if strings.HasPrefix(parentID, "ou-") {
		ou, err := getOU(v.tx, v.org.ID, parentID)
		if err == nil {
			return ou.Depth, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
	}
	return 0, newErr("ParentNotFoundException")
}

// ouNameTaken reports whether parent already has a child OU called name.
func ouNameTaken(v *view, parentID, name, except string) (bool, error) {
	taken := false
	err := v.tx.Scan(kChildPrefix(v.org.ID, parentID)+childOU+"/", "", func(k string, _ []byte) (bool, error) {
		id := k[strings.LastIndexByte(k, '/')+1:]
		if id == except {
			return true, nil
		}
		ou, err := getOU(v.tx, v.org.ID, id)
		if err != nil {
			return false, err
		}
		if ou.Name == name {
			taken = true
			return false, nil
		}
		return true, nil
	})
	return taken, err
}

func (v *view) ouOf(ou *ouRecord) *OrganizationalUnit {
	return &OrganizationalUnit{Id: ou.ID, Arn: v.org.ouARN(ou.ID), Name: ou.Name}
}

// CreateOrganizationalUnit creates an OU under a root or OU.
func (s *Service) CreateOrganizationalUnit(ctx context.Context, in *CreateOrganizationalUnitRequest) (*CreateOrganizationalUnitResponse, error) {
	var out *CreateOrganizationalUnitResponse
	err := s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		depth, err := parentDepth(v, in.ParentId)
		if err != nil {
			return err
		}
		if depth >= maxOUDepth {
			return errConstraint("OU_DEPTH_LIMIT_EXCEEDED")
		}
		if v.org.OUs >= maxOUs {
			return errConstraint("OU_NUMBER_LIMIT_EXCEEDED")
		}
		if taken, err := ouNameTaken(v, in.ParentId, in.Name, ""); err != nil {
			return err
		} else if taken {
			return newErr("DuplicateOrganizationalUnitException")
		}
		if err := checkTags(in.Tags); err != nil {
			return err
		}
		rootSuffix := strings.TrimPrefix(v.org.RootID, "r-")
		id, err := newID(v.tx, func(id string) string { return kOU(v.org.ID, id) }, func() string {
			return "ou-" + rootSuffix + "-" + orgstack.RandomString(orgstack.LowerAlnum, 8)
		})
		if err != nil {
			return err
		}
		ou := &ouRecord{ID: id, Name: in.Name, ParentID: in.ParentId, Depth: depth + 1, Created: v.now}
		if err := store.PutJSON(v.tx, kOU(v.org.ID, id), ou); err != nil {
			return err
		}
		if err := v.tx.Put(kChild(v.org.ID, in.ParentId, childOU, id), nil); err != nil {
			return err
		}
		if v.org.policyTypeEnabled(typeSCP) {
			if err := attach(v.tx, v.org.ID, fullAWSAccessID, id); err != nil {
				return err
			}
		}
		if err := putTags(v.tx, v.org.ID, id, in.Tags); err != nil {
			return err
		}
		v.org.OUs++
		if err := putOrg(v.tx, v.org); err != nil {
			return err
		}
		out = &CreateOrganizationalUnitResponse{OrganizationalUnit: v.ouOf(ou)}
		return nil
	})
	return out, err
}

func (v *view) getOU(id string) (*ouRecord, error) {
	ou, err := getOU(v.tx, v.org.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr("OrganizationalUnitNotFoundException")
	}
	return ou, err
}

// DescribeOrganizationalUnit returns an OU.
func (s *Service) DescribeOrganizationalUnit(ctx context.Context, in *DescribeOrganizationalUnitRequest) (*DescribeOrganizationalUnitResponse, error) {
	var out *DescribeOrganizationalUnitResponse
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("DescribeOrganizationalUnit"); err != nil {
			return err
		}
		ou, err := v.getOU(in.OrganizationalUnitId)
		if err != nil {
			return err
		}
		out = &DescribeOrganizationalUnitResponse{OrganizationalUnit: v.ouOf(ou)}
		return nil
	})
	return out, err
}

// UpdateOrganizationalUnit renames an OU.
func (s *Service) UpdateOrganizationalUnit(ctx context.Context, in *UpdateOrganizationalUnitRequest) (*UpdateOrganizationalUnitResponse, error) {
	var out *UpdateOrganizationalUnitResponse
	err := s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		ou, err := v.getOU(in.OrganizationalUnitId)
		if err != nil {
			return err
		}
		if in.Name != "" && in.Name != ou.Name {
			if taken, err := ouNameTaken(v, ou.ParentID, in.Name, ou.ID); err != nil {
				return err
			} else if taken {
				return newErr("DuplicateOrganizationalUnitException")
			}
			ou.Name = in.Name
			if err := store.PutJSON(v.tx, kOU(v.org.ID, ou.ID), ou); err != nil {
				return err
			}
		}
		out = &UpdateOrganizationalUnitResponse{OrganizationalUnit: v.ouOf(ou)}
		return nil
	})
	return out, err
}

// DeleteOrganizationalUnit deletes an empty OU.
func (s *Service) DeleteOrganizationalUnit(ctx context.Context, in *DeleteOrganizationalUnitRequest) error {
	return s.write(ctx, func(v *view) error {
		if err := v.management(); err != nil {
			return err
		}
		ou, err := v.getOU(in.OrganizationalUnitId)
		if err != nil {
			return err
		}
		empty := true
		if err := v.tx.Scan(kChildPrefix(v.org.ID, ou.ID), "", func(string, []byte) (bool, error) {
			empty = false
			return false, nil
		}); err != nil {
			return err
		}
		if !empty {
			return newErr("OrganizationalUnitNotEmptyException")
		}
		if err := detachAll(v.tx, v.org.ID, ou.ID); err != nil {
			return err
		}
		if err := deleteTags(v.tx, v.org.ID, ou.ID); err != nil {
			return err
		}
		if err := v.tx.Delete(kChild(v.org.ID, ou.ParentID, childOU, ou.ID)); err != nil {
			return err
		}
		v.org.OUs--
		if err := putOrg(v.tx, v.org); err != nil {
			return err
		}
		return v.tx.Delete(kOU(v.org.ID, ou.ID))
	})
}

// ListOrganizationalUnitsForParent lists the OUs directly under a parent.
func (s *Service) ListOrganizationalUnitsForParent(ctx context.Context, in *ListOrganizationalUnitsForParentRequest) (*ListOrganizationalUnitsForParentResponse, error) {
	out := &ListOrganizationalUnitsForParentResponse{OrganizationalUnits: []OrganizationalUnit{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListOrganizationalUnitsForParent"); err != nil {
			return err
		}
		if _, err := parentDepth(v, in.ParentId); err != nil {
			return err
		}
		prefix := kChildPrefix(v.org.ID, in.ParentId) + childOU + "/"
		p, err := newPager("ListOrganizationalUnitsForParent", prefix, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out.NextToken, err = p.page(v.tx, nil, func(k string, _ []byte) error {
			ou, err := getOU(v.tx, v.org.ID, k[len(prefix):])
			if err != nil {
				return err
			}
			out.OrganizationalUnits = append(out.OrganizationalUnits, *v.ouOf(ou))
			return nil
		})
		return err
	})
	return out, err
}

// ListChildren lists the accounts or OUs directly under a parent.
func (s *Service) ListChildren(ctx context.Context, in *ListChildrenRequest) (*ListChildrenResponse, error) {
	out := &ListChildrenResponse{Children: []Child{}}
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListChildren"); err != nil {
			return err
		}
		if _, err := parentDepth(v, in.ParentId); err != nil {
			return err
		}
		typ := childAccount
		if in.ChildType == ChildTypeOrganizationalUnit {
			typ = childOU
		}
		prefix := kChildPrefix(v.org.ID, in.ParentId) + typ + "/"
		p, err := newPager("ListChildren", prefix, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out.NextToken, err = p.page(v.tx, nil, func(k string, _ []byte) error {
			out.Children = append(out.Children, Child{Id: k[len(prefix):], Type: in.ChildType})
			return nil
		})
		return err
	})
	return out, err
}

// ListParents lists the parent of an account or OU (there is only one).
func (s *Service) ListParents(ctx context.Context, in *ListParentsRequest) (*ListParentsResponse, error) {
	var out *ListParentsResponse
	err := s.read(ctx, func(v *view) error {
		if err := v.reader("ListParents"); err != nil {
			return err
		}
		if in.NextToken != "" {
			return errInvalid("INVALID_NEXT_TOKEN")
		}
		var parent string
		if strings.HasPrefix(in.ChildId, "ou-") {
			ou, err := getOU(v.tx, v.org.ID, in.ChildId)
			if errors.Is(err, store.ErrNotFound) {
				return newErr("ChildNotFoundException")
			} else if err != nil {
				return err
			}
			parent = ou.ParentID
		} else {
			a, err := v.member(in.ChildId)
			if err != nil {
				if e, ok := orgstack.AsError(err); ok && e.Code == "AccountNotFoundException" {
					return newErr("ChildNotFoundException")
				}
				return err
			}
			parent = a.ParentID
		}
		typ := ParentTypeOrganizationalUnit
		if parent == v.org.RootID {
			typ = ParentTypeRoot
		}
		out = &ListParentsResponse{Parents: []Parent{{Id: parent, Type: typ}}}
		return nil
	})
	return out, err
}
