package bleveindex

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// ErrCorrupt is returned by Open and Verify for an index whose files are
// damaged: its root.bolt cannot be read, or a segment it uses is missing
// or fails its checksum. Bleve itself would open such an index, silently
// without the damaged part (or panic on a damaged root.bolt).
var ErrCorrupt = errors.New("index is damaged")

// ErrInUse is returned by Verify (and Open) when another process has the
// index open.
var ErrInUse = errors.New("index is in use by another process")

// Bleve's layout of root.bolt (bleve/v2/util/keys.go): a bucket "s" of
// snapshots by epoch, each holding one bucket per segment whose key "p"
// names the segment file.
var (
	boltSnapshots = []byte{'s'}
	boltPath      = []byte{'p'}
)

// Verify checks the index in dir without opening it in Bleve: root.bolt
// must pass bbolt's consistency check, and every segment file of its
// latest snapshot must be present and match the CRC-32 its footer holds.
// A directory that does not exist, or holds no snapshot yet, is fine. It
// reads every segment once (about a second per GB from the page cache).
func Verify(dir string) (err error) {
	root := filepath.Join(dir, "store", "root.bolt")
	if _, serr := os.Stat(root); errors.Is(serr, os.ErrNotExist) {
		return nil
	}
	defer func() {
		// bbolt panics on some damaged pages.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v", ErrCorrupt, root, r)
		}
	}()
	db, err := bolt.Open(root, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("%w: %s is locked (stop the process that has it open)", ErrInUse, root)
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, root, err)
	}
	defer func() { _ = db.Close() }()
	var segments []string
	err = db.View(func(tx *bolt.Tx) error {
		var problems []error
		for e := range tx.Check() {
			problems = append(problems, e)
			if len(problems) == 5 {
				break
			}
		}
		if len(problems) > 0 {
			return errors.Join(problems...)
		}
		snaps := tx.Bucket(boltSnapshots)
		if snaps == nil {
			return nil
		}
		k, _ := snaps.Cursor().Last()
		if k == nil {
			return nil
		}
		snap := snaps.Bucket(k)
		if snap == nil {
			return fmt.Errorf("latest snapshot %x is not a bucket", k)
		}
		return snap.ForEach(func(k, v []byte) error {
			if v != nil {
				return nil
			}
			if seg := snap.Bucket(k); seg != nil {
				if p := seg.Get(boltPath); p != nil {
					segments = append(segments, string(p))
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, root, err)
	}
	for _, name := range segments {
		if err := verifySegment(filepath.Join(dir, "store", filepath.Base(name))); err != nil {
			return fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	}
	return nil
}

// verifySegment checks a zap segment's CRC-32 (IEEE, of every byte before
// the last four, which hold it big-endian).
func verifySegment(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("segment %s: %v", path, err)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("segment %s: %v", path, err)
	}
	if st.Size() < 8 {
		return fmt.Errorf("segment %s: %d bytes, too short", path, st.Size())
	}
	h := crc32.NewIEEE()
	if _, err := io.CopyN(h, f, st.Size()-4); err != nil {
		return fmt.Errorf("segment %s: read: %v", path, err)
	}
	var tail [4]byte
	if _, err := io.ReadFull(f, tail[:]); err != nil {
		return fmt.Errorf("segment %s: read: %v", path, err)
	}
	if want := binary.BigEndian.Uint32(tail[:]); h.Sum32() != want {
		return fmt.Errorf("segment %s: checksum %08x, its footer says %08x", path, h.Sum32(), want)
	}
	return nil
}
