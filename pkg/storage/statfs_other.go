//go:build !unix

package storage

import "errors"

func statfs(string) (uint64, uint64, error) {
	return 0, 0, errors.ErrUnsupported
}
