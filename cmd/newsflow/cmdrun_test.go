package main

import (
	"context"
	"io"
)

// runCommand runs 'newsflow name args...' and returns the command's error.
func runCommand(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	_, err := execute(ctx, append([]string{name}, args...), stdout, stderr)
	return err
}

func runPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runCommand(ctx, "publish", args, stdout, stderr)
}

func runSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runCommand(ctx, "search", args, stdout, stderr)
}

func runUp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runCommand(ctx, "up", args, stdout, stderr)
}
