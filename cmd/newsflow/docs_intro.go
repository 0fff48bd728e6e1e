package main

// cliDocsIntro opens docs/cli.md; the command reference after it is
// generated from the commands themselves.
const cliDocsIntro = "# The newsflow command line\n\n" +
	"<!-- Generated from cmd/newsflow by 'make docs' (go run ./cmd/newsflow docs -o docs/cli.md): edit the commands, not this file. TestCLIDocsCurrent fails when it is stale. -->\n\n" +
	"`newsflow help` lists the commands; `newsflow help <command> [<subcommand>]`\n" +
	"prints the same as `newsflow <command> [<subcommand>] --help`.\n" +
	"`newsflow --version` (`-v`, `-V`) and `newsflow version` print the version and revision.\n" +
	"\n" +
	"## Why cobra\n" +
	"\n" +
	"The command line is built on [cobra](https://github.com/spf13/cobra) and its flag parser pflag,\n" +
	"chosen over kong for three reasons particular to newsflow:\n" +
	"\n" +
	"- the flags are declared once, on a standard library `flag.FlagSet`, by the same functions the\n" +
	"  worker binaries call (`natsbus.ConnConfig.RegisterFlags`, the stage, index, HTTP and poller\n" +
	"  flags); pflag takes such a flag set over as it is (`AddGoFlagSet`), so `newsflow up` and the\n" +
	"  workers cannot drift apart. With kong every one of them would be declared a second time in\n" +
	"  struct tags, or the workers moved too;\n" +
	"- completions for bash, zsh, fish and PowerShell are built in and answered by the binary itself\n" +
	"  (`newsflow __complete ...`), so they know every subcommand and flag without a second list;\n" +
	"- kubectl, gh and helm are cobra programs: help, `help <command>`, `completion <shell>` and\n" +
	"  flag syntax behave as their users expect.\n" +
	"\n" +
	"What cobra lacks, environment variables beside flags, is one small layer (`pkg/envflag`): a flag\n" +
	"that reads one names it in its help (`(env NEWSFLOW_URL)`).\n" +
	"\n" +
	"## Flags\n" +
	"\n" +
	"Flags are GNU style: `--limit 5` or `--limit=5`, booleans as `--json` or `--json=false`, and they\n" +
	"may come before or after the arguments (`newsflow search Лавров --lang bg`); `--` ends them.\n" +
	"For the scripts written for the standard `flag` package newsflow used before, a long flag with\n" +
	"one dash (`-limit 5`) is still read as `--limit 5`. The workers (`ingest`, `enrich`, `index`,\n" +
	"`poller`, `watch`) parse their flags the same way ([Workers](#workers) lists them, as\n" +
	"`<worker> --help` does), exit 2 on a usage error, and name flags and variables by the same scheme.\n" +
	"\n" +
	"Defaults that scale with the machine are shown for one core: `--search-max-concurrent` is 2 per\n" +
	"core (`GOMAXPROCS`).\n" +
	"\n" +
	"## Exit status\n" +
	"\n" +
	"| status | when |\n" +
	"|---|---|\n" +
	"| 0 | success |\n" +
	"| 1 | the command failed (a server not reachable, an article rejected by `publish`, an unconfirmed `dlq purge` on a terminal) |\n" +
	"| 2 | a usage error: an unknown command or flag, a bad flag value (`--limit ten`, `up --nats http://x`), a missing or unexpected argument, `dlq purge` without `--yes` when there is no terminal to ask on. The error is printed with the command to run for help |\n" +
	"\n" +
	"## Environment\n" +
	"\n" +
	"One scheme: the variable of flag `--some-flag` is `NEWSFLOW_SOME_FLAG`, and a flag's help names\n" +
	"the variable where the flag reads one. The command line wins over the environment.\n" +
	"\n" +
	"| variable | read by | meaning |\n" +
	"|---|---|---|\n" +
	"| `NEWSFLOW_URL` | `publish`, `search`, `get`, `watch` | the HTTP API (`--url`, default `http://127.0.0.1:8080`) |\n" +
	"| `NEWSFLOW_NATS_URL` | every command with `--nats` but `publish`, the workers (`--nats`) | the NATS server (for `up`, the address its embedded server listens on) |\n" +
	"| `NATS_URL` | every command with `--nats` but `up`, the workers | the NATS server, as the NATS tools (`nats` CLI) read it; `NEWSFLOW_NATS_URL` and the flags win over it. `publish` given it publishes straight onto NATS rather than through the HTTP API, unless `--url` is on its command line |\n" +
	"| `NEWSFLOW_<FLAG>` | every flag of `up`, `dashboard`, `nats-monitor` and the workers (`--log-level` is `NEWSFLOW_LOG_LEVEL`, `--http` is `NEWSFLOW_HTTP`); the NATS connection flags and `--data` of the client commands | the flag's default |\n" +
	"| `NO_COLOR` | logs (`up`, the workers with `--log-format console`) | no colour when set to anything non-empty (https://no-color.org); logs into a file or a pipe are never coloured |\n" +
	"\n" +
	"A NATS address is accepted as `host:port` or `nats://host:port` everywhere: the\n" +
	"client commands and workers (`--nats`, comma-separated for a\n" +
	"cluster) and `newsflow up --nats`, where it is the address the embedded server\n" +
	"listens on (one address, no user or path).\n" +
	"\n" +
	"`up` does not read `NATS_URL`: it often names a remote server, where up cannot listen.\n" +
	"\n" +
	"### Old names\n" +
	"\n" +
	"Until 2026-12 the workers called `--nats` `--nats-url` and `--http` `--http-addr`\n" +
	"(`NEWSFLOW_HTTP_ADDR`), and `up` read its `--nats` from `NEWSFLOW_NATS`. Those names still\n" +
	"work, under the new ones, with a warning: the workers log `deprecated name` at start,\n" +
	"`newsflow` prints `warning: ... is deprecated` on stderr; the old flags are hidden from\n" +
	"`newsflow`'s help and marked deprecated in a worker's `-h`.\n" +
	"\n" +
	"## Completion\n" +
	"\n" +
	"`newsflow completion bash|zsh|fish|powershell` prints the completion script of that shell;\n" +
	"`newsflow completion bash --help` says where to put it, e.g.\n" +
	"`source <(newsflow completion bash)` in `~/.bashrc`, or\n" +
	"`newsflow completion fish > ~/.config/fish/completions/newsflow.fish`.\n" +
	"\n" +
	"## Output\n" +
	"\n" +
	"- `publish` prints the summary (`accepted N, duplicates N, rejected N`), then\n" +
	"  `  new ID  file:line` for each new article and the reasons of rejected ones;\n" +
	"  `--json` prints one object with the counts and every article\n" +
	"  ([api.md](api.md#newsflow-publish)).\n" +
	"- `--json` prints JSON on every command that prints results: `search`, `dlq list|show|replay|purge`,\n" +
	"  `sources add|list|rm`, `watch`, `status`, `setup`, `reprocess`, `index rebuild`, `bench`,\n" +
	"  `version`; `get` always prints JSON.\n" +
	"- A subcommand of `dlq`, `sources` and `watch` takes only its own flags (`dlq show --stage` is a\n" +
	"  usage error), so its help and completions list what applies.\n" +
	"- Destructive commands ask first: `dlq purge` asks `[y/N]` on a terminal and\n" +
	"  wants `--yes` otherwise.\n"
