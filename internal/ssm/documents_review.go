package ssm

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/orgstack/orgstack"
)

// Change template reviews. Each version of an Automation.ChangeTemplate
// document has a review status:
//
//	NOT_REVIEWED --SendForReview--> PENDING --Approve--> APPROVED
//	                                   |  \--Reject---> REJECTED --SendForReview--> PENDING
//	                                   \--UpdateReview (comment only)
//
// Only one version of a template is PENDING at a time, and only one is
// APPROVED: approving a version rejects the version approved before it
// (both from the model's ReviewStatus documentation). The approved version
// also becomes the template's default version, so that change requests
// that name no version use it. // unconfirmed
//
// Every action is recorded as a reviewer response that
// ListDocumentMetadataHistory returns; who may review is not checked (the
// template reviewers of Change Manager's settings are not modelled).

// reviewerName is the Reviewer recorded for a caller: the last part of
// its principal ARN (a user, role or session name), or the account id for
// the root user, fitted to the model's pattern. // unconfirmed
func reviewerName(c orgstack.Caller) string {
	name := c.ARN[strings.LastIndexAny(c.ARN, ":/")+1:]
	if c.IsRoot() || name == "" || name == "root" {
		name = c.AccountID
	}
	b := []byte(name)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-' || ch == '.') {
			b[i] = '_'
		}
	}
	return string(b[:min(len(b), 50)])
}

func errReviewOperation(format string, args ...any) error {
	return newErr("InvalidDocumentOperation", fmt.Sprintf(format, args...)) // unconfirmed
}

// UpdateDocumentMetadata takes a review action on a version of a change
// template of the caller's (the latest version unless DocumentVersion
// names one): SendForReview, UpdateReview (a new comment), Approve or
// Reject, with an optional comment. Errors: InvalidDocument (no such
// document of the caller's), InvalidDocumentVersion,
// InvalidDocumentOperation (not a change template, or an action the
// version's review status does not allow).
func (s *Service) UpdateDocumentMetadata(ctx context.Context, in *UpdateDocumentMetadataRequest) (*UpdateDocumentMetadataResponse, error) {
	err := s.write(ctx, func(sc *scope) error {
		d, err := loadDoc(sc.tx, sc.account, sc.region, in.Name, false)
		if err != nil {
			return err
		}
		if !d.isChangeTemplate() {
			return errReviewOperation("Document reviews apply to change templates only; %s is a document of type %s.", d.Name, d.Type)
		}
		version := in.DocumentVersion
		if version == "" {
			version = "$LATEST"
		}
		v, err := resolveDocVersion(sc.tx, sc.account, sc.region, d, version, "")
		if err != nil {
			return err
		}
		r := docReview{Comment: in.DocumentReviews.Comment, Reviewer: reviewerName(sc.caller), Created: sc.now, Updated: sc.now}
		switch in.DocumentReviews.Action {
		case DocumentReviewActionSendForReview:
			if v.Review != ReviewStatusNotReviewed && v.Review != ReviewStatusRejected {
				return errReviewOperation("Version %d of %s can't be sent for review: its review status is %s.", v.Version, d.Name, v.Review)
			}
			if d.PendingVersion != 0 && d.PendingVersion != v.Version {
				return errReviewOperation("Version %d of %s is already in review; only one version can be in review at a time.", d.PendingVersion, d.Name)
			}
			v.Review, d.PendingVersion = ReviewStatusPending, v.Version
		case DocumentReviewActionUpdateReview:
			if v.Review != ReviewStatusPending || len(v.Reviews) == 0 {
				return errReviewOperation("Version %d of %s is not in review.", v.Version, d.Name)
			}
			last := &v.Reviews[len(v.Reviews)-1]
			last.Comment, last.Updated = in.DocumentReviews.Comment, sc.now
			return putDocVersion(sc.tx, sc.account, sc.region, d.Name, v)
		case DocumentReviewActionApprove, DocumentReviewActionReject:
			if v.Review != ReviewStatusPending {
				return errReviewOperation("Version %d of %s is not in review; send it for review first. Its review status is %s.", v.Version, d.Name, v.Review)
			}
			d.PendingVersion = 0
			v.Review = ReviewStatusRejected
			if in.DocumentReviews.Action == DocumentReviewActionApprove {
				if err := s.supersedeApproved(sc, d, v.Version); err != nil {
					return err
				}
				v.Review, d.ApprovedVersion, d.DefaultVersion = ReviewStatusApproved, v.Version, v.Version
			}
		default:
			return errReviewOperation("Unknown review action %s.", in.DocumentReviews.Action)
		}
		r.Status = v.Review
		v.Reviews = append(v.Reviews, r)
		if err := putDocVersion(sc.tx, sc.account, sc.region, d.Name, v); err != nil {
			return err
		}
		return putDoc(sc.tx, sc.account, sc.region, d)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateDocumentMetadataResponse{}, nil
}

// supersedeApproved rejects the version of d approved before version now
// replaces it.
func (s *Service) supersedeApproved(sc *scope, d *docRecord, now int) error {
	if d.ApprovedVersion == 0 || d.ApprovedVersion == now {
		return nil
	}
	old, err := loadDocVersion(sc.tx, sc.account, sc.region, d, d.ApprovedVersion)
	if err != nil {
		return err
	}
	old.Review = ReviewStatusRejected
	return putDocVersion(sc.tx, sc.account, sc.region, d.Name, old)
}

// ListDocumentMetadataHistory returns the review history of a version of
// a change template (the latest version unless DocumentVersion names
// one): every reviewer response, oldest first, with its ReviewStatus
// (PENDING for SendForReview, APPROVED, REJECTED) and comment. Errors:
// InvalidDocument, InvalidDocumentVersion, InvalidNextToken.
func (s *Service) ListDocumentMetadataHistory(ctx context.Context, in *ListDocumentMetadataHistoryRequest) (*ListDocumentMetadataHistoryResponse, error) {
	var out *ListDocumentMetadataHistoryResponse
	err := s.read(ctx, func(sc *scope) error {
		d, err := loadDoc(sc.tx, sc.account, sc.region, in.Name, true)
		if err != nil {
			return err
		}
		version := in.DocumentVersion
		if version == "" {
			version = "$LATEST"
		}
		v, err := resolveDocVersion(sc.tx, sc.account, sc.region, d, version, "")
		if err != nil {
			return err
		}
		keys := make([]string, len(v.Reviews))
		for i := range v.Reviews {
			keys[i] = fmt.Sprintf("%06d", i)
		}
		lo, hi, next, err := opsDataPage(sc, "ListDocumentMetadataHistory/"+d.Name+"/"+strconv.Itoa(v.Version), keys,
			in.NextToken, in.MaxResults, opsDataPageSize, newErr("InvalidNextToken", ""))
		if err != nil {
			return err
		}
		info := &DocumentMetadataResponseInfo{ReviewerResponse: []DocumentReviewerResponseSource{}}
		for _, r := range v.Reviews[lo:hi] {
			info.ReviewerResponse = append(info.ReviewerResponse, DocumentReviewerResponseSource{
				CreateTime: r.Created, UpdatedTime: r.Updated, ReviewStatus: r.Status, Comment: r.Comment, Reviewer: r.Reviewer})
		}
		out = &ListDocumentMetadataHistoryResponse{Name: d.Name, DocumentVersion: strconv.Itoa(v.Version), Author: d.Author,
			Metadata: info, NextToken: next}
		return nil
	})
	return out, err
}
