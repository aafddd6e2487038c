package web

import (
	"io"
	"net/http"
)

// indexPage is the placeholder home page until the live dashboard lands.
const indexPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ticklake</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}code,pre{background:#f4f4f4;padding:.1rem .3rem}</style>
</head>
<body>
<h1>ticklake</h1>
<p>Real-time market data, from Kafka to a Parquet lake, queried with SQL.</p>
<ul>
<li><a href="/api/status">/api/status</a> &mdash; pipeline status (JSON)</li>
<li><a href="/metrics">/metrics</a> &mdash; Prometheus metrics</li>
<li><a href="/healthz">/healthz</a> &mdash; health check</li>
</ul>
<p>Query the lake:</p>
<pre>curl -s localhost:8080/api/query -d '{"sql":"SELECT symbol, count(*) FROM trades GROUP BY 1"}'</pre>
</body>
</html>
`

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	io.WriteString(w, indexPage)
}
