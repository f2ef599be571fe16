package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client speaks to a running node's API. It implements Service.
type Client struct {
	base  string // e.g. http://127.0.0.1:6888
	token string
	http  *http.Client
	// upload sends streamed attachments: as long as they take to
	// send, but the node must answer within http's time once they are.
	upload *http.Client
}

var _ Service = (*Client)(nil)

// NewClient returns a client for the API at addr (host:port), writing
// with token.
func NewClient(addr, token string) *Client {
	const answerTimeout = 5 * time.Minute
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = answerTimeout
	return &Client{
		base: "http://" + addr, token: token,
		http:   &http.Client{Timeout: answerTimeout},
		upload: &http.Client{Transport: t},
	}
}

// UnreachableError means the node did not answer.
type UnreachableError struct {
	Addr string
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("the node at %s does not answer (%v); is `mutu run` still running? If it stopped uncleanly, remove the file api from its home", e.Addr, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Ping checks that the node answers.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.Status(ctx)
	return err
}

// maxRateWait bounds the time a request refused for its rate waits, in
// all, to be sent again.
const maxRateWait = 15 * time.Second

// do sends in, if not nil, as JSON and decodes the answer into out.
// A request that the node refuses for its rate (429) is sent again
// once the wait the node asks for has passed, for up to maxRateWait:
// a script that publishes or searches in a loop slows down rather
// than fail.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var b []byte
	if in != nil {
		var err error
		if b, err = json.Marshal(in); err != nil {
			return err
		}
	}
	var waited time.Duration
	for {
		var err error
		if in == nil {
			err = c.send(ctx, c.http, method, path, "", nil, out)
		} else {
			err = c.send(ctx, c.http, method, path, "application/json", bytes.NewReader(b), out)
		}
		var we *waitError
		if !errors.As(err, &we) || waited+we.after > maxRateWait {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(we.after):
		}
		waited += we.after
	}
}

// waitError is an error answered with a Retry-After header.
type waitError struct {
	err   *Error
	after time.Duration
}

func (e *waitError) Error() string { return e.err.Message }
func (e *waitError) Unwrap() error { return e.err }

// send sends body, of type contentType, with hc and decodes the answer
// into out.
func (c *Client) send(ctx context.Context, hc *http.Client, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return &UnreachableError{Addr: c.base, Err: err}
	}
	defer resp.Body.Close()
	return c.answer(resp, out)
}

// answer decodes resp, a JSON answer, into out, or returns its error.
func (c *Client) answer(resp *http.Response, out any) error {
	if resp.StatusCode >= 300 {
		var e struct {
			Error *Error `json:"error"`
		}
		if json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e) != nil || e.Error == nil {
			return &Error{Kind: KindInternal, Message: fmt.Sprintf("the node answered %s", resp.Status)}
		}
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 && e.Error.Kind == KindRateLimited {
			return &waitError{err: e.Error, after: time.Duration(secs) * time.Second}
		}
		return e.Error
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("read the node's answer: %w", err)
	}
	return nil
}

// Publish sends the request as JSON, or as multipart when attachments
// are streamed (Upload.Body).
func (c *Client) Publish(ctx context.Context, req PublishRequest) ([]Published, error) {
	var out []Published
	if atts := req.Attachments; streamed(atts) {
		req.Attachments = listed(atts)
		return out, c.doUpload(ctx, http.MethodPost, "/api/v1/entries", req, atts, &out)
	}
	return out, c.do(ctx, http.MethodPost, "/api/v1/entries", req, &out)
}

// Edit sends the request as JSON, or as multipart when attachments
// are streamed (Upload.Body).
func (c *Client) Edit(ctx context.Context, req EditRequest) (*Published, error) {
	var out Published
	path := "/api/v1/entries/" + url.PathEscape(req.ID)
	if atts := req.Attachments; streamed(atts) {
		req.Attachments = listed(atts)
		return &out, c.doUpload(ctx, http.MethodPut, path, req, atts, &out)
	}
	return &out, c.do(ctx, http.MethodPut, path, req, &out)
}

func (c *Client) Retract(ctx context.Context, id string) (*Published, error) {
	var out Published
	return &out, c.do(ctx, http.MethodDelete, "/api/v1/entries/"+url.PathEscape(id), nil, &out)
}

func (c *Client) Show(ctx context.Context, id string, opts ShowOptions) (*Entry, error) {
	v := url.Values{}
	if opts.Markdown {
		v.Set("markdown", "1")
	}
	if opts.HTML {
		v.Set("html", "1")
	}
	if opts.Revision != "" {
		v.Set("revision", opts.Revision)
	}
	var out Entry
	if err := c.do(ctx, http.MethodGet, "/api/v1/entries/"+url.PathEscape(id)+"?"+v.Encode(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) Diff(ctx context.Context, id, from, to string) (*Diff, error) {
	v := url.Values{}
	if from != "" || to != "" {
		v.Set("from", from)
		v.Set("to", to)
	}
	var out Diff
	if err := c.do(ctx, http.MethodGet, "/api/v1/entries/"+url.PathEscape(id)+"/diff?"+v.Encode(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) Fetch(ctx context.Context, id string) (*FetchResult, error) {
	var out FetchResult
	return &out, c.do(ctx, http.MethodPost, "/api/v1/entries/"+url.PathEscape(id)+"/fetch", nil, &out)
}

func (c *Client) History(ctx context.Context, id string) ([]Revision, error) {
	var out []Revision
	return out, c.do(ctx, http.MethodGet, "/api/v1/entries/"+url.PathEscape(id)+"/history", nil, &out)
}

func (c *Client) List(ctx context.Context, kind string) ([]Summary, error) {
	var out []Summary
	return out, c.do(ctx, http.MethodGet, "/api/v1/entries?kind="+url.QueryEscape(kind), nil, &out)
}

func (c *Client) Search(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	v := url.Values{"q": {q.Text}}
	for k, s := range map[string]string{"kind": q.Kind, "category": q.Category, "tag": q.Tag, "academie": q.Academie, "audience": q.Audience, "sort": q.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Outdated {
		v.Set("outdated", "1")
	}
	// Zero is the default; anything else goes to the daemon, which
	// refuses what is out of range as the home would.
	if q.Offset != 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out SearchResult
	return &out, c.do(ctx, http.MethodGet, "/api/v1/search?"+v.Encode(), nil, &out)
}

func (c *Client) Status(ctx context.Context) (*Status, error) {
	var out Status
	return &out, c.do(ctx, http.MethodGet, "/api/v1/status", nil, &out)
}

func (c *Client) Peers(ctx context.Context) ([]Peer, error) {
	var out []Peer
	return out, c.do(ctx, http.MethodGet, "/api/v1/peers", nil, &out)
}

// Reindex has the node rebuild its search index, reading its progress.
func (c *Client) Reindex(ctx context.Context, progress Progress) (*Reindexed, error) {
	var out Reindexed
	return &out, c.long(ctx, http.MethodPost, "/api/v1/reindex", "", nil, progress, &out)
}
