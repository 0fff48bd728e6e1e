package natsbus

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
)

// Headers newsflow adds besides the contract's dead-letter headers.
const (
	// HeaderStream and HeaderStreamSeq name the stream and sequence the
	// dead-lettered message was read from.
	HeaderStream    = "Newsflow-Stream"
	HeaderStreamSeq = "Newsflow-Stream-Seq"
)

// deadLetterHeaders are the headers a dead letter adds to the original's;
// a replay removes them again.
var deadLetterHeaders = []string{HeaderStage, HeaderError, HeaderAttempts, HeaderSubject, HeaderMsgID, HeaderStream, HeaderStreamSeq}

// deadLetterMsgID is the Nats-Msg-Id of the dead letter of one stream
// message, or of its item number item (from 1; 0 for the whole message):
// the worker and the max-deliveries path use the same id, so within the
// duplicate window a message, or an item, is dead-lettered once.
func deadLetterMsgID(stage, stream string, seq uint64, item int) string {
	id := "dlq:" + stage + ":" + stream + ":" + strconv.FormatUint(seq, 10)
	if item > 0 {
		id += ":" + strconv.Itoa(item)
	}
	return id
}

// deadLetterMsg builds the dead letter of a message read from subject
// (stream, seq) by stage: the original payload and headers, the original
// Nats-Msg-Id as Newsflow-Msg-Id, and the reason headers.
func deadLetterMsg(stage, subject string, orig nats.Header, data []byte, stream string, seq uint64, attempts int, reason string) *nats.Msg {
	hdr := nats.Header{}
	for k, v := range orig {
		if k == nats.MsgIdHdr {
			hdr[HeaderMsgID] = v
			continue
		}
		hdr[k] = v
	}
	hdr.Set(HeaderStage, stage)
	hdr.Set(HeaderError, headerSafe(reason, maxErrorHeader))
	hdr.Set(HeaderAttempts, strconv.Itoa(attempts))
	hdr.Set(HeaderSubject, subject)
	hdr.Set(HeaderStream, stream)
	hdr.Set(HeaderStreamSeq, strconv.FormatUint(seq, 10))
	return &nats.Msg{Subject: SubjectDLQ + "." + stage, Data: data, Header: hdr}
}

// maxErrorHeader bounds the Newsflow-Error header; the full error is logged.
const maxErrorHeader = 1024

// headerSafe makes s a single header line of at most max bytes.
func headerSafe(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > max {
		s = s[:max]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	return s
}
