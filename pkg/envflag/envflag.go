// Package envflag gives every flag of a flag.FlagSet a default from the
// environment: flag "nats-url" reads NEWSFLOW_NATS_URL. Flags given on the
// command line win over the environment.
package envflag

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// Prefix is prepended to environment variable names.
const Prefix = "NEWSFLOW_"

// EnvName returns the environment variable that sets flag name.
func EnvName(name string) string {
	return Prefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
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
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil {
			return
		}
		env := EnvName(f.Name)
		if !strings.Contains(f.Usage, env) {
			f.Usage += " (env " + env + ")"
		}
		if v, ok := os.LookupEnv(env); ok {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("environment variable %s=%q: %w", env, v, serr)
			}
		}
	})
	return err
}
