#!/usr/bin/env sh
# Prints the path of a Python 3.10 interpreter (Rasa 3.6 needs <3.11; the default python3 is 3.11).
for candidate in python3.10 "$(pyenv root 2>/dev/null)"/versions/3.10*/bin/python3.10 \
    "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
    "$candidate" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done
echo "supportbot needs Python 3.10 (Rasa 3.6 does not run on 3.11+); install it, e.g. 'pyenv install 3.10'" >&2
exit 1
