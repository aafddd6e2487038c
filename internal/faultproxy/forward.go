package faultproxy

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// hopHeaders belong to one connection and are not forwarded. Expect is
// dropped because this proxy has already read the whole body; SigV4 does not
// sign it.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Expect",
}

// ServeHTTP implements http.Handler.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fault, stallFor := p.draw()
	if fault == StallUpload {
		// Reading a little answers "Expect: 100-continue", so the client
		// sends the body; the rest, unread, fills the socket buffers and the
		// client's writes block. The server notices no disconnect while a
		// body is unread, so the stall lasts StallFor.
		io.CopyN(io.Discard, r.Body, 64<<10)
		t := time.NewTimer(stallFor)
		defer t.Stop()
		<-t.C
		reset(w)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	switch fault {
	case Status503:
		writeError(w, http.StatusServiceUnavailable, "SlowDown", "injected by faultproxy")
		return
	case ResetBefore:
		reset(w)
		return
	}
	status, header, respBody, err := p.forward(r, body)
	if err != nil {
		writeError(w, http.StatusBadGateway, "BadGateway", err.Error())
		return
	}
	switch fault {
	case Status500After:
		writeError(w, http.StatusInternalServerError, "InternalError", "injected by faultproxy after forwarding")
	case ResetAfter:
		reset(w)
	case Stall:
		t := time.NewTimer(stallFor)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		reset(w)
	case TruncateBody:
		copyHeader(w.Header(), header)
		w.Header().Set("Content-Length", strconv.Itoa(len(respBody)))
		w.WriteHeader(status)
		w.Write(respBody[:len(respBody)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		// Aborting the handler closes the connection with the body short.
		panic(http.ErrAbortHandler)
	default:
		copyHeader(w.Header(), header)
		w.WriteHeader(status)
		w.Write(respBody)
	}
}

// forward sends the request upstream with its Host header unchanged and
// returns the whole answer.
func (p *Proxy) forward(r *http.Request, body []byte) (int, http.Header, []byte, error) {
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.upstream+r.RequestURI, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	out.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	out.Host = r.Host // signatures cover Host
	out.ContentLength = int64(len(body))
	resp, err := p.client.Do(out)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	for _, h := range hopHeaders {
		resp.Header.Del(h)
	}
	return resp.StatusCode, resp.Header, respBody, nil
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = append([]string(nil), vs...)
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+`</Code><Message>`+msg+`</Message></Error>`)
}

// reset closes the client's connection with a TCP RST.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}
