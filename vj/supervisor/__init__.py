"""What runs a set from outside the show: the supervisor that starts the show again
when it dies (:mod:`.process`, standard library only: no GL, torch or model), and the
``vj show new|check`` command line (:mod:`.cli`)."""
