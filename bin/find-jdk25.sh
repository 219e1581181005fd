# Sourced by ./build and ./codi4j: sets JAVA_HOME to a JDK 25 or newer, or explains what to install.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/*25* (and newer), then `java` on PATH.
codi4j_java_major() { # prints the feature version of the java binary in $1
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}
codi4j_find_jdk() {
  local cand major
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/*-25* /usr/lib/jvm/*25* /usr/lib/jvm/*-2[6-9]* /opt/java/* \
              "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    major=$(codi4j_java_major "$cand/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then echo "$cand"; return 0; fi
  done
  return 1
}
if ! CODI4J_JDK=$(codi4j_find_jdk); then
  cat >&2 <<'MSG'
codi4j needs a JDK 25 (or newer) and found none.
  Looked at: $JAVA_HOME, /usr/lib/jvm/*25*, and the java on PATH.
  Fix: install one, e.g. `apt-get install temurin-25-jdk` (Adoptium repository) or unpack a JDK 25
  from https://adoptium.net and point JAVA_HOME at it.
MSG
  exit 3
fi
export JAVA_HOME="$CODI4J_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
