package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ticklake/ticklake/internal/lake"
)

// The unit of exactly-once is a flush range [From, To) of one Kafka
// partition. Before writing a range's files a sink claims it with a marker
// created only if absent at CommitKey(topic, partition, From); the marker
// lists the files, which are named and encoded from the range alone (the
// marker's Time is every row's _ingest_time), so whoever rewrites a claimed
// range reproduces the very same objects. The markers of a partition form a
// chain, each starting where the previous one ends; a sink resumes at the end
// of that chain, never at Kafka's committed offset, which may lag behind it.

// marker is the claim of one flush range, stored as JSON.
type marker struct {
	From      int64     `json:"from"`
	To        int64     `json:"to"`
	Files     []string  `json:"files"`
	ClusterID string    `json:"cluster_id"`
	TopicID   string    `json:"topic_id"`
	Writer    string    `json:"writer"`
	Time      time.Time `json:"time"`
	// Seqs is the de-duplication state at To; nil (null or absent) when the
	// range was written without de-duplication (a topic without seq, an
	// older sink). An empty state is {}, not null: no omitempty.
	Seqs seqState `json:"seqs"`
}

// head is the per-partition pointer to a chain position whose ranges all have
// their files; it only saves reading the chain from its start.
type head struct {
	Next int64 `json:"next"`
	// Last is the From of the marker ending at Next, whose de-duplication
	// state a sink resuming at Next starts from; absent in older heads.
	Last      *int64 `json:"last,omitempty"`
	ClusterID string `json:"cluster_id"`
	TopicID   string `json:"topic_id"`
}

// CommitsPrefix is the folder holding a partition's claim markers.
func CommitsPrefix(topic string, part int32) string {
	return fmt.Sprintf("_commits/%s/%d/", topic, part)
}

// CommitKey is the key of the marker claiming the range starting at from.
func CommitKey(topic string, part int32, from int64) string {
	return fmt.Sprintf("%s%020d", CommitsPrefix(topic, part), from)
}

// HeadKey is the key of a partition's chain pointer.
func HeadKey(topic string, part int32) string {
	return CommitsPrefix(topic, part) + "_head"
}

// errClaimLost means another sink claimed the range first.
var errClaimLost = errors.New("flush range claimed by another sink")

// chain is what resolving a partition's markers found: where the chain ends
// and the claimed ranges, in order, whose files are not all in the lake.
type chain struct {
	found   bool // false when the partition has no marker at all
	end     int64
	pending []marker
	seqs    seqState // the de-duplication state at resume()
}

// resume returns where to fetch from: the first range to rewrite or the end.
func (c chain) resume() int64 {
	if len(c.pending) > 0 {
		return c.pending[0].From
	}
	return c.end
}

// claims reads and writes one lake's markers for one topic incarnation.
type claims struct {
	store     lake.Store
	writer    string
	clusterID string
	topicIDs  map[string]string
}

// claim creates the marker of m, or returns errClaimLost.
func (c *claims) claim(ctx context.Context, topic string, part int32, m marker) error {
	m.ClusterID, m.TopicID, m.Writer = c.clusterID, c.topicIDs[topic], c.writer
	return c.create(ctx, topic, part, m)
}

// create creates the marker m as it is, its ids and writer filled in, or
// returns errClaimLost. It reads nothing the sink's lock guards, so a
// flight may call it.
func (c *claims) create(ctx context.Context, topic string, part int32, m marker) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding the marker: %w", err)
	}
	key := CommitKey(topic, part, m.From)
	switch err := c.store.Create(ctx, key, body); {
	case errors.Is(err, lake.ErrExists):
		return errClaimLost
	case err != nil:
		return fmt.Errorf("claiming %s: %w", key, err)
	}
	return nil
}

// advance moves the partition's pointer past the range m, once every range
// up to it has its files. The head carries m's ids (a claimed marker's,
// the current ones), so that a flight need not read the sink's.
func (c *claims) advance(ctx context.Context, topic string, part int32, m marker) error {
	body, _ := json.Marshal(head{Next: m.To, Last: &m.From, ClusterID: m.ClusterID, TopicID: m.TopicID}) // ints and strings always marshal
	if err := c.store.Put(ctx, HeadKey(topic, part), body); err != nil {
		return fmt.Errorf("moving the head of %s partition %d: %w", topic, part, err)
	}
	return nil
}

// resolve follows a partition's chain from its pointer (or its first marker)
// to its end, noting the ranges whose files are missing.
func (c *claims) resolve(ctx context.Context, topic string, part int32) (chain, error) {
	start, last, found, err := c.start(ctx, topic, part)
	if err != nil || !found {
		return chain{}, err
	}
	ch := chain{found: true, end: start}
	if last != nil {
		if ch.seqs, err = c.stateAt(ctx, topic, part, *last, start); err != nil {
			return ch, err
		}
	}
	for {
		m, ok, err := c.read(ctx, topic, part, ch.end)
		if err != nil {
			return ch, err
		}
		if !ok {
			return ch, nil
		}
		if err := c.check(topic, part, m.ClusterID, m.TopicID); err != nil {
			return ch, err
		}
		complete, err := c.complete(ctx, m)
		if err != nil {
			return ch, err
		}
		if !complete || len(ch.pending) > 0 {
			ch.pending = append(ch.pending, m)
		} else {
			ch.seqs = m.Seqs
		}
		ch.end = m.To
	}
}

// stateAt reads the de-duplication state at next from the marker starting
// at last, which ends at next.
func (c *claims) stateAt(ctx context.Context, topic string, part int32, last, next int64) (seqState, error) {
	m, ok, err := c.read(ctx, topic, part, last)
	if err != nil {
		return nil, err
	}
	if !ok || m.To != next {
		return nil, fmt.Errorf("%s names %s as the range ending at %d, but it is missing or ends elsewhere; remove the head (markers are the truth)",
			HeadKey(topic, part), CommitKey(topic, part, last), next)
	}
	return m.Seqs, nil
}

// start finds where to begin following the chain: the head pointer (with
// the From of the marker ending there, if it names it), else the lowest
// marker.
func (c *claims) start(ctx context.Context, topic string, part int32) (int64, *int64, bool, error) {
	body, err := c.get(ctx, HeadKey(topic, part))
	if err == nil {
		var h head
		if err := json.Unmarshal(body, &h); err != nil {
			return 0, nil, false, fmt.Errorf("decoding %s: %w", HeadKey(topic, part), err)
		}
		if err := c.check(topic, part, h.ClusterID, h.TopicID); err != nil {
			return 0, nil, false, err
		}
		return h.Next, h.Last, true, nil
	}
	if !errors.Is(err, lake.ErrNotExist) {
		return 0, nil, false, err
	}
	first := int64(-1)
	err = c.store.List(ctx, CommitsPrefix(topic, part), func(o lake.Object) error {
		name := path.Base(o.Key)
		if strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
			return nil
		}
		from, perr := strconv.ParseInt(name, 10, 64)
		if perr == nil && (first < 0 || from < first) {
			first = from
		}
		return nil
	})
	if err != nil {
		return 0, nil, false, fmt.Errorf("listing the markers of %s partition %d: %w", topic, part, err)
	}
	return first, nil, first >= 0, nil
}

// read returns the marker claiming the range starting at from, if any.
func (c *claims) read(ctx context.Context, topic string, part int32, from int64) (marker, bool, error) {
	body, err := c.get(ctx, CommitKey(topic, part, from))
	if errors.Is(err, lake.ErrNotExist) {
		return marker{}, false, nil
	}
	if err != nil {
		return marker{}, false, err
	}
	var m marker
	if err := json.Unmarshal(body, &m); err != nil {
		return marker{}, false, fmt.Errorf("decoding %s: %w", CommitKey(topic, part, from), err)
	}
	if m.From != from || m.To <= m.From {
		return marker{}, false, fmt.Errorf("marker %s claims [%d, %d); remove it", CommitKey(topic, part, from), m.From, m.To)
	}
	return m, true, nil
}

// mismatchError is a chain written for another cluster or topic incarnation.
type mismatchError struct{ msg string }

func (e *mismatchError) Error() string { return e.msg }

func isMismatch(err error) bool {
	var me *mismatchError
	return errors.As(err, &me)
}

// check refuses markers written for another cluster or another incarnation
// of the topic: their offsets mean other records.
func (c *claims) check(topic string, part int32, clusterID, topicID string) error {
	if clusterID != c.clusterID || topicID != c.topicIDs[topic] {
		return &mismatchError{fmt.Sprintf("the lake's markers for %s partition %d come from Kafka cluster %q topic id %q, not cluster %q topic id %q; "+
			"sink this topic into a fresh lake (or remove %s)", topic, part, clusterID, topicID,
			c.clusterID, c.topicIDs[topic], CommitsPrefix(topic, part))}
	}
	return nil
}

// complete reports whether every file of a claimed range is in the lake.
func (c *claims) complete(ctx context.Context, m marker) (bool, error) {
	for _, key := range m.Files {
		_, err := c.store.Stat(ctx, key)
		if errors.Is(err, lake.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("checking %s: %w", key, err)
		}
	}
	return true, nil
}

// get reads a small object whole.
func (c *claims) get(ctx context.Context, key string) ([]byte, error) {
	rc, err := c.store.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	return body, nil
}
