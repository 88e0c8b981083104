#!/bin/sh
# An exec connector in a few lines of shell: this week's shared shifts at the coop's
# co-working space, as `event` records. The hub runs it as
#   shifts.sh read --config FILE --state FILE
# and reads JSON lines (the connector protocol) from its stdout.
case "$1" in
  spec)  echo '{"type":"SPEC","spec":{"type":"object"}}'; exit 0 ;;
  check) echo '{"type":"CHECK","ok":true,"message":"nothing to check"}'; exit 0 ;;
  read)  ;;
  *)     exit 0 ;;
esac
monday=$(date -u -d "last monday" +%Y-%m-%d 2>/dev/null || date -u +%Y-%m-%d)
day() { date -u -d "$monday + $1 days" +%Y-%m-%d 2>/dev/null || echo "$monday"; }
shift_line() {  # id day-offset start end title who
  printf '{"type":"RECORD","stream":"shifts","record":{"id":"%s","kind":"event","title":"%s","time":"%sT%s:00Z","end":"%sT%s:00Z","author":"%s","location":{"name":"Riverside co-working space"}}}\n' \
    "$1-$(day "$2")" "$5" "$(day "$2")" "$3" "$(day "$2")" "$4" "$6"
}
shift_line reception 7 08:00 12:00 "Reception desk" "Jonas Berg"
shift_line reception-pm 7 12:00 17:00 "Reception desk (afternoon)" "Amira Haddad"
shift_line accounts 8 09:00 13:00 "Accounts surgery: bring your invoices" "Lucía Moreno"
shift_line lunch 11 12:30 14:00 "Members' lunch" "everyone"
echo '{"type":"STATE","stream":"shifts","state":{"week":"'"$monday"'"}}'
