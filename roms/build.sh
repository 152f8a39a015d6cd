#!/bin/sh
# Assembles every built-in game roms/<name>/<name>.asm into public/roms/<name>.bin with Debian's
# dasm (apt-get install dasm). The .bin files are committed, so the app never needs dasm; run
# this after editing a game and commit both. Listings and symbol tables go to roms/build/
# (ignored) for cycle counting and for the RAM addresses documented in roms/README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../public/roms"
command -v dasm >/dev/null 2>&1 || { echo "build.sh: dasm not found (apt-get install dasm)" >&2; exit 1; }
mkdir -p "$out" "$here/build"
status=0
for src in "$here"/*/*.asm; do
  name=$(basename "$src" .asm)
  dir=$(basename "$(dirname "$src")")
  [ "$name" = "$dir" ] || continue          # only <name>/<name>.asm are games
  tmp="$here/build/$name.bin"
  # dasm prints its own diagnostics; -E2 makes them gcc-style, -S strict syntax checks
  if ! dasm "$src" -I"$here/include" -I"$here/$dir" -f3 -S -E2 -o"$tmp" \
        -l"$here/build/$name.lst" -s"$here/build/$name.sym" >"$here/build/$name.log" 2>&1; then
    cat "$here/build/$name.log" >&2
    echo "build.sh: $name FAILED" >&2
    status=1
    continue
  fi
  size=$(wc -c <"$tmp")
  if [ "$size" -ne 4096 ]; then
    echo "build.sh: $name is $size bytes, expected a 4K image" >&2
    status=1
    continue
  fi
  cp "$tmp" "$out/$name.bin"
  sum=$(md5sum "$out/$name.bin" | cut -d' ' -f1)
  echo "$name: $sum  public/roms/$name.bin"
  # the md5 is how the emulator's game table recognises the ROM: keep the docs in step
  for doc in "$here/README.md" "$here/builtin.json"; do
    grep -q "$sum" "$doc" || echo "build.sh: note: $(basename "$doc") does not list $name's md5 $sum yet" >&2
  done
done
exit $status
