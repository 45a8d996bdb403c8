#!/usr/bin/env bash
# Builds testdata/foreign/eks-made-here/ from the tarball eks-log-collector.sh wrote on the
# build machine (not kept: it holds the sandbox's process list). Usage:
#   eks-made-here.sh <eks_..._0.7.9.tar.gz> <out dir> <tsv>
# Every file is copied byte for byte except:
#   - excluded: the process list and socket table of the machine (the sandbox's own control
#     processes, their command lines and environment; not part of a node, never read by kdiag);
#   - kernel/dmesg.*: whole lines removed that print the sandbox's kernel command line and its
#     init process's arguments (lines "Command line:", "Kernel command line:", and from
#     "Run /process_api as init process" to the end of its "with environment:" list).
set -euo pipefail
tgz=$1 out=$2 tsv=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tgz" -C "$tmp"
exclude=(system/ps.txt system/ps-threads.txt system/top.txt system/allprocstat.txt system/netstat.txt)
printf 'action\tpath\toriginal_bytes\tresult\n' > "$tsv"
rm -rf "$out"
mkdir -p "$out"
(cd "$tmp" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) | while read -r f; do
  size=$(stat -c %s "$tmp/$f")
  for e in "${exclude[@]}"; do
    if [[ $f == "$e" ]]; then
      printf 'exclude\t%s\t%s\tsandbox control processes\n' "$f" "$size" >> "$tsv"
      continue 2
    fi
  done
  mkdir -p "$out/$(dirname "$f")"
  case $f in
    kernel/dmesg.current | kernel/dmesg.human.current)
      awk '
        / Command line: / || / Kernel command line: / { drop++; next }
        / Run \/process_api as init process$/ { skip = 1 }
        skip && / TERM=linux$/ { skip = 0; drop++; next }
        skip { drop++; next }
        { print }
        END { printf "%d\n", drop > "/dev/stderr" }
      ' "$tmp/$f" > "$out/$f" 2> "$tmp/.dropped"
      printf 'lines-removed\t%s\t%s\t%s bytes, %s lines removed\n' "$f" "$size" \
        "$(stat -c %s "$out/$f")" "$(cat "$tmp/.dropped")" >> "$tsv"
      ;;
    *) cp "$tmp/$f" "$out/$f" ;;
  esac
done
