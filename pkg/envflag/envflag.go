// Package envflag gives every flag of a flag.FlagSet a default from the
// environment, one scheme for newsflow and every worker: flag "log-level"
// reads NEWSFLOW_LOG_LEVEL, and the NATS URL, flag "nats", reads
// NEWSFLOW_NATS_URL (beside NATS_URL, which natsbus reads as the NATS tools
// do). Flags given on the command line win over the environment.
//
// Old names keep working for a while: the flags and variables of
// DeprecatedFlags and DeprecatedEnv are read, and Deprecated says which of
// them are in use so that the caller can log a warning.
package envflag

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Prefix is prepended to environment variable names.
const Prefix = "NEWSFLOW_"

// NATSURLEnv is the variable of flag "nats", the NATS server URL.
const NATSURLEnv = Prefix + "NATS_URL"

// DeprecatedFlags maps old flag names to the flags that replace them. A
// binary that registers an old name registers it as an alias of the new
// one (same variable), with a usage that starts with "deprecated".
var DeprecatedFlags = map[string]string{
	"nats-url":  "nats", // the workers' and client commands' name until 2026-12
	"http-addr": "http", // the workers' name until 2026-12
}

// DeprecatedEnv maps old environment variables to the ones that replace
// them; an old one is read when the new one is unset.
var DeprecatedEnv = map[string]string{
	Prefix + "NATS":      NATSURLEnv,      // newsflow up's --nats until 2026-12
	Prefix + "HTTP_ADDR": Prefix + "HTTP", // the workers' --http-addr until 2026-12
}

// EnvName returns the environment variable that sets flag name.
func EnvName(name string) string {
	if name == "nats" {
		return NATSURLEnv
	}
	return Prefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// oldEnv returns the deprecated variables that also set the flag of env.
func oldEnv(env string) []string {
	var old []string
	for o, n := range DeprecatedEnv {
		if n == env {
			old = append(old, o)
		}
	}
	sort.Strings(old)
	return old
}

// lookup returns the value of env or, when it is unset, of one of its
// deprecated names, and the variable it came from.
func lookup(env string) (value, from string, ok bool) {
	if v, ok := os.LookupEnv(env); ok {
		return v, env, true
	}
	for _, o := range oldEnv(env) {
		if v, ok := os.LookupEnv(o); ok {
			return v, o, true
		}
	}
	return "", "", false
}

// Parse sets every flag of fs whose environment variable is set, then parses
// args. An invalid value in the environment is an error naming the variable.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := Apply(fs); err != nil {
		return err
	}
	return fs.Parse(args)
}

// Apply sets every flag of fs whose environment variable is set and names
// the variable in each flag's usage, for a parser that takes the flags of
// fs over (newsflow's pflag): the command line, parsed after, wins. An
// invalid value in the environment is an error naming the variable.
func Apply(fs *flag.FlagSet) error {
	return ApplyTo(fs, nil)
}

// ApplyTo is Apply for the flags whose name match accepts (all for nil).
// Deprecated aliases are left alone: their new flag reads the variable.
func ApplyTo(fs *flag.FlagSet, match func(name string) bool) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || (match != nil && !match(f.Name)) {
			return
		}
		if _, old := DeprecatedFlags[f.Name]; old {
			return
		}
		env := EnvName(f.Name)
		// "env NAME" rather than NAME: a usage may name a bucket or a
		// variable of the same name for another reason (--stories and the
		// NEWSFLOW_STORIES bucket).
		if !strings.Contains(f.Usage, "env "+env) {
			f.Usage += " (env " + env + ")"
		}
		if v, from, ok := lookup(env); ok {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("environment variable %s=%q: %w", from, v, serr)
			}
		}
	})
	return err
}

// Deprecated lists the old names in use for the flags of fs: variables of
// DeprecatedEnv set in the environment for a flag that reads its variable
// (its usage names it, as Apply writes), and flags of DeprecatedFlags given
// on the command line (after fs.Parse). Each is a sentence for a warning.
func Deprecated(fs *flag.FlagSet) []string {
	var out []string
	fs.VisitAll(func(f *flag.Flag) {
		if _, old := DeprecatedFlags[f.Name]; old {
			return
		}
		env := EnvName(f.Name)
		if _, set := os.LookupEnv(env); set || !strings.Contains(f.Usage, "env "+env) {
			return // the new name is set, or the flag reads no variable
		}
		for _, o := range oldEnv(env) {
			if _, set := os.LookupEnv(o); set {
				out = append(out, fmt.Sprintf("environment variable %s is deprecated: use %s", o, env))
				break
			}
		}
	})
	fs.Visit(func(f *flag.Flag) {
		if n, old := DeprecatedFlags[f.Name]; old {
			out = append(out, fmt.Sprintf("flag --%s is deprecated: use --%s", f.Name, n))
		}
	})
	return out
}

// Alias registers the deprecated flag old as another name of the flag new
// of fs, which must exist.
func Alias(fs *flag.FlagSet, old string) {
	f := fs.Lookup(DeprecatedFlags[old])
	fs.Var(f.Value, old, "deprecated: use --"+f.Name)
}

// singleDash is a long flag written with one dash, as the standard flag
// package takes it (-log-level debug).
var singleDash = regexp.MustCompile(`^-[a-z][a-z0-9]*-?[a-z0-9-]*[a-z0-9](=.*)?$`)

// GNUArgs rewrites -flag to --flag before the first "--", for a GNU-style
// parser (pflag) reading command lines written for the flag package:
// newsflow and the workers read those the same as before.
func GNUArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if singleDash.MatchString(a) {
			a = "-" + a
		}
		out = append(out, a)
	}
	return out
}
