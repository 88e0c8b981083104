#!/bin/sh
# Another exec connector: what the coop's back office exports each night, as records
# dated from today, so that the demo always looks current. Three streams: the bank
# account's transactions, open and closed decisions (as a Loomio export would give
# them), and two monthly figures for the charts.
case "$1" in
  spec)  echo '{"type":"SPEC","spec":{"type":"object"}}'; exit 0 ;;
  check) echo '{"type":"CHECK","ok":true,"message":"nothing to check"}'; exit 0 ;;
  read)  ;;
  *)     exit 0 ;;
esac
on() { date -u -d "$1" +%Y-%m-%dT%H:%M:00Z 2>/dev/null || date -u +%Y-%m-%dT%H:%M:00Z; }
record() {  # stream json-fields
  printf '{"type":"RECORD","stream":"%s","record":{%s}}\n' "$1" "$2"
}
money() {  # id days-ago title value currency who
  record transactions "\"id\":\"$1\",\"kind\":\"transaction\",\"title\":\"$3\",\"time\":\"$(on "$2 days ago 10:00")\",\"amount\":{\"value\":\"$4\",\"currency\":\"$5\"},\"author\":\"$6\""
}
money t-101 2 "Invoice 2026-118: Maison des Associations translation" 2400.00 EUR "Lucía Moreno"
money t-102 4 "Thermal jackets (12)" -1068.00 EUR "Sam Okafor"
money t-103 6 "Solidarity fund: advance to a member" -1500.00 EUR "Amira Haddad"
money t-104 9 "Invoice 2026-117: Riverside dispatch support" 1850.50 EUR "Jonas Berg"
money t-105 12 "Co-working rent, December" -640.00 EUR "Lucía Moreno"
money t-106 15 "Grant from the city's social economy fund" 5000.00 EUR "Amira Haddad"
money t-107 20 "Invoice 2026-116: UX review for a Swedish partner" 12500.00 SEK "Lena Fischer"
echo '{"type":"STATE","stream":"transactions","state":{}}'
decision() {  # id closes-in title who [closed-days-ago]
  end=""
  [ -n "$5" ] && end=",\"end\":\"$(on "$5 days ago 18:00")\""
  record decisions "\"id\":\"$1\",\"kind\":\"decision\",\"title\":\"$3\",\"time\":\"$(on "$2 18:00")\"$end,\"author\":\"$4\",\"url\":\"https://loomio.example/p/$1\""
}
decision p-31 "4 days" "Adopt the 2027 budget" "Amira Haddad"
decision p-32 "9 days" "Admit two new members: a translator and an accountant" "Jonas Berg"
decision p-30 "3 days ago" "Buy thermal jackets for every rider" "Sam Okafor" 3
echo '{"type":"STATE","stream":"decisions","state":{}}'
i=5
for hours in 410 436 452 398 471 502; do
  record metrics "\"id\":\"hours-$i\",\"kind\":\"metric\",\"title\":\"Hours worked for clients\",\"time\":\"$(on "$((i * 30)) days ago 00:00")\",\"data\":{\"value\":$hours}"
  i=$((i - 1))
done
i=5
for members in 21 21 22 23 23 26; do
  record metrics "\"id\":\"members-$i\",\"kind\":\"metric\",\"title\":\"Members\",\"time\":\"$(on "$((i * 30)) days ago 00:00")\",\"data\":{\"value\":$members}"
  i=$((i - 1))
done
echo '{"type":"STATE","stream":"metrics","state":{}}'
