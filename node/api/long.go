package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Long operations (a reindex, a bundle or folder import) take from
// seconds to minutes. A client that sends "Accept: application/x-ndjson"
// reads their progress while they run, one JSON object per line:
//
//	{"progress":{"done":120,"total":660}}
//	...
//	{"result":{...}}         or   {"error":{"kind":...,"message":...}}
//
// The status is then 200 whatever the outcome, which the last line
// tells. Without that header the answer is the result alone, with the
// status of its error if it failed, as for any other request. See
// docs/api.md, "Long operations".

// Progress is told how far a long operation is: done of total steps
// (entries, files, blocks). It may be nil.
type Progress func(done, total int)

// ndjson is the media type of a progress stream.
const ndjson = "application/x-ndjson"

// progressEvery bounds how often a progress line is sent.
const progressEvery = 200 * time.Millisecond

// streamLine is one line of a progress stream.
type streamLine struct {
	Progress *progressLine   `json:"progress,omitempty"`
	Result   json.RawMessage `json:"result,omitempty"`
	Error    *Error          `json:"error,omitempty"`
}

type progressLine struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// long answers a long operation: run's result, and its progress first
// when the client asks for it. The connection has no write deadline:
// the operation may outlast the server's write timeout.
func (h *handler) long(w http.ResponseWriter, r *http.Request, run func(ctx context.Context, progress Progress) (any, error)) {
	h.guard.NoWriteDeadline(w)
	if !strings.Contains(r.Header.Get("Accept"), ndjson) {
		out, err := run(r.Context(), nil)
		h.reply(w, out, err)
		return
	}
	w.Header().Set("Content-Type", ndjson)
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	flusher, _ := w.(http.Flusher)
	send := func(l streamLine) {
		if err := enc.Encode(l); err != nil {
			h.log.Debug("write API progress", "err", err)
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
	var last time.Time
	out, err := run(r.Context(), func(done, total int) {
		if done < total && time.Since(last) < progressEvery {
			return
		}
		last = time.Now()
		send(streamLine{Progress: &progressLine{Done: done, Total: total}})
	})
	if err != nil {
		e := ErrorOf(err)
		if e.Kind == KindInternal {
			h.log.Error("API request failed", "err", e.Message)
		}
		send(streamLine{Error: e})
		return
	}
	data, err := json.Marshal(out)
	if err != nil {
		send(streamLine{Error: ErrorOf(err)})
		return
	}
	send(streamLine{Result: data})
}

// long sends a long operation's request and reads its progress stream
// into progress, then its result into out. It waits as long as the
// operation takes: ctx bounds it.
func (c *Client) long(ctx context.Context, method, path, contentType string, body io.Reader, progress Progress, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", ndjson)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.upload.Do(req)
	if err != nil {
		return &UnreachableError{Addr: c.base, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 || !strings.HasPrefix(resp.Header.Get("Content-Type"), ndjson) {
		return c.answer(resp, out)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), MaxRequestSize)
	for sc.Scan() {
		var l streamLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("read the node's answer: %w", err)
		}
		switch {
		case l.Error != nil:
			return l.Error
		case l.Result != nil:
			return json.Unmarshal(l.Result, out)
		case l.Progress != nil && progress != nil:
			progress(l.Progress.Done, l.Progress.Total)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read the node's answer: %w", err)
	}
	return fmt.Errorf("read the node's answer: it ended before the result (did the node stop?)")
}
