# bash completion for memgate. Subcommands and flags are read from memgate's own --help,
# so completion never falls behind the binary it completes for; after `--` the words are
# the target's command (files and commands, as bash completes them).
#   installed: share/bash-completion/completions/memgate;  by hand: source this file

# From `memgate ... --help`: the subcommands ("Subcommands:"), or the long flags of every
# option group ("Options:", "Sampling:", "Checks:"...).
_memgate_help_words() {
  local want=$1
  shift
  "$@" --help 2>/dev/null | awk -v want="$want" '
    /^[A-Za-z][^ ]*( [^ ]+)*:$/ { section = $0; next }
    want == "Subcommands:" && section == want && /^  [a-z]/ { print $1 }
    want == "Options:" && section != "Subcommands:" && section != "Positionals:" && /^  -/ {
      split($1, names, ",")
      for (i in names) if (names[i] ~ /^--/) print names[i]
    }'
}

_memgate() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local -a command=("${COMP_WORDS[0]}")
  local i word
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ $word == -- ]]; then  # the target's command line
      compopt -o default -o bashdefault 2>/dev/null
      COMPREPLY=()
      return
    fi
    [[ $word == -* ]] && continue
    # A subcommand of the command so far descends; any other word is a value or a positional.
    if _memgate_help_words "Subcommands:" "${command[@]}" | grep -qx -- "$word"; then
      command+=("$word")
    fi
  done
  case $prev in
  --out | --to | --target-log | --junit | --summary | --baseline | --prometheus-textfile)
    compopt -o default 2>/dev/null
    COMPREPLY=()
    return
    ;;
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_memgate_help_words "Options:" "${command[@]}")" -- "$cur")
    return
  fi
  local subcommands
  subcommands=$(_memgate_help_words "Subcommands:" "${command[@]}")
  if [[ -n $subcommands ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$subcommands" -- "$cur")
  else
    compopt -o default 2>/dev/null  # a scenario file, a run directory, a trace...
    COMPREPLY=()
  fi
}
complete -F _memgate memgate
