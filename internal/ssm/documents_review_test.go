package ssm

import (
	"context"
	"fmt"
	"testing"
)

// review sends one review action for a version of WebChange.
func (f *cmFixture) review(ctx context.Context, version string, action DocumentReviewAction, comment string) error {
	r := &DocumentReviews{Action: action}
	if comment != "" {
		r.Comment = []DocumentReviewCommentSource{{Type: DocumentReviewCommentTypeComment, Content: comment}}
	}
	_, err := f.svc.UpdateDocumentMetadata(ctx, &UpdateDocumentMetadataRequest{Name: "WebChange", DocumentVersion: version, DocumentReviews: r})
	return err
}

// describeVersion describes a version of WebChange.
func (f *cmFixture) describeVersion(t *testing.T, ctx context.Context, version string) *DocumentDescription {
	t.Helper()
	return mustOK[*DescribeDocumentResult](t)(f.svc.DescribeDocument(ctx, &DescribeDocumentRequest{Name: "WebChange", DocumentVersion: version})).Document
}

// A change template goes NOT_REVIEWED → PENDING → APPROVED; a newer
// version approved later replaces it, and the history keeps every
// reviewer response with its comment.
func TestChangeTemplateReview(t *testing.T) {
	f := newCMFixture(t, false)
	ctx := f.setupChange(t, cmAdmin, false, false)
	d := f.describeVersion(t, ctx, "")
	if d.ReviewStatus != "NOT_REVIEWED" || d.ApprovedVersion != "" || d.PendingReviewVersion != "" || d.DocumentType != "Automation.ChangeTemplate" {
		t.Fatalf("new template: %+v", d)
	}
	wantErr(t, "InvalidDocumentOperation", func() error { return f.review(ctx, "", DocumentReviewActionApprove, "") })
	if err := f.review(ctx, "", DocumentReviewActionSendForReview, "please review"); err != nil {
		t.Fatal(err)
	}
	if d = f.describeVersion(t, ctx, ""); d.ReviewStatus != "PENDING" || d.PendingReviewVersion != "1" {
		t.Fatalf("in review: %+v", d)
	}
	wantErr(t, "InvalidDocumentOperation", func() error { return f.review(ctx, "", DocumentReviewActionSendForReview, "") })
	if err := f.review(ctx, "1", DocumentReviewActionApprove, "ship it"); err != nil {
		t.Fatal(err)
	}
	d = f.describeVersion(t, ctx, "1")
	if d.ReviewStatus != "APPROVED" || d.ApprovedVersion != "1" || d.PendingReviewVersion != "" ||
		len(d.ReviewInformation) != 1 || d.ReviewInformation[0].Status != "APPROVED" || d.ReviewInformation[0].Reviewer != cmAdmin {
		t.Fatalf("approved: %+v", d)
	}
	g := mustOK[*GetDocumentResult](t)(f.svc.GetDocument(ctx, &GetDocumentRequest{Name: "WebChange"}))
	if g.ReviewStatus != "APPROVED" {
		t.Fatalf("GetDocument review status %s", g.ReviewStatus)
	}

	// Version 2 starts NOT_REVIEWED; rejected, then sent again and approved,
	// it replaces version 1, which becomes REJECTED.
	mustOK[*UpdateDocumentResult](t)(f.svc.UpdateDocument(ctx, &UpdateDocumentRequest{Name: "WebChange", Content: fmt.Sprintf(cmTemplate, true)}))
	if d = f.describeVersion(t, ctx, "2"); d.ReviewStatus != "NOT_REVIEWED" || d.ApprovedVersion != "1" {
		t.Fatalf("version 2: %+v", d)
	}
	for _, step := range []struct {
		action  DocumentReviewAction
		comment string
	}{
		{DocumentReviewActionSendForReview, ""}, {DocumentReviewActionReject, "missing rollback"},
		{DocumentReviewActionSendForReview, "added rollback"}, {DocumentReviewActionUpdateReview, "added rollback, tested"},
		{DocumentReviewActionApprove, ""},
	} {
		if err := f.review(ctx, "2", step.action, step.comment); err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
	}
	if d = f.describeVersion(t, ctx, "2"); d.ReviewStatus != "APPROVED" || d.ApprovedVersion != "2" || d.DefaultVersion != "2" {
		t.Fatalf("version 2 approved: %+v", d)
	}
	if d = f.describeVersion(t, ctx, "1"); d.ReviewStatus != "REJECTED" {
		t.Fatalf("version 1 after version 2's approval: %s", d.ReviewStatus)
	}
	h := mustOK[*ListDocumentMetadataHistoryResponse](t)(f.svc.ListDocumentMetadataHistory(ctx, &ListDocumentMetadataHistoryRequest{
		Name: "WebChange", DocumentVersion: "2", Metadata: DocumentMetadataEnumDocumentReviews}))
	var got []string
	for _, r := range h.Metadata.ReviewerResponse {
		c := ""
		if len(r.Comment) == 1 {
			c = r.Comment[0].Content
		}
		got = append(got, string(r.ReviewStatus)+":"+c)
		if r.Reviewer != cmAdmin || r.CreateTime.IsZero() || r.UpdatedTime.Before(r.CreateTime) {
			t.Fatalf("response %+v", r)
		}
	}
	want := "[PENDING: REJECTED:missing rollback PENDING:added rollback, tested APPROVED:]"
	if fmt.Sprint(got) != want || h.DocumentVersion != "2" || h.Name != "WebChange" || h.Author == "" {
		t.Fatalf("history %v (version %s), want %s", got, h.DocumentVersion, want)
	}

	// Paging through the history.
	one := int32(1)
	in := &ListDocumentMetadataHistoryRequest{Name: "WebChange", DocumentVersion: "2", Metadata: DocumentMetadataEnumDocumentReviews, MaxResults: &one}
	n := 0
	for {
		page := mustOK[*ListDocumentMetadataHistoryResponse](t)(f.svc.ListDocumentMetadataHistory(ctx, in))
		n += len(page.Metadata.ReviewerResponse)
		if page.NextToken == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	if n != 4 {
		t.Fatalf("%d responses over pages", n)
	}

	// Reviews are for change templates only.
	_, err := f.svc.UpdateDocumentMetadata(ctx, &UpdateDocumentMetadataRequest{Name: "RestartWeb",
		DocumentReviews: &DocumentReviews{Action: DocumentReviewActionSendForReview}})
	wantOpsErr(t, err, "InvalidDocumentOperation")
	_, err = f.svc.UpdateDocumentMetadata(ctx, &UpdateDocumentMetadataRequest{Name: "Missing",
		DocumentReviews: &DocumentReviews{Action: DocumentReviewActionSendForReview}})
	wantOpsErr(t, err, "InvalidDocument")
}

// A change request uses the approved version, and the version it names
// must be approved.
func TestChangeRequestUsesApprovedVersion(t *testing.T) {
	f := newCMFixture(t, false)
	ctx := f.setupChange(t, cmAdmin, true, false)
	mustOK[*UpdateDocumentResult](t)(f.svc.UpdateDocument(ctx, &UpdateDocumentRequest{Name: "WebChange", Content: fmt.Sprintf(cmTemplate, true)}))
	id := mustOK[*StartChangeRequestExecutionResult](t)(f.svc.StartChangeRequestExecution(ctx, changeRequest("v1", nil, nil))).AutomationExecutionId
	if v := f.execution(t, ctx, id).DocumentVersion; v != "1" {
		t.Fatalf("used version %s", v)
	}
	in := changeRequest("v2", nil, nil)
	in.DocumentVersion = "$LATEST"
	_, err := f.svc.StartChangeRequestExecution(ctx, in)
	wantOpsErr(t, err, "AutomationDefinitionNotApprovedException")
}
