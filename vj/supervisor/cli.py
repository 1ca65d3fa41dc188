"""``vj show new|check`` and the entry of ``vj live``: with ``--show`` (and not
``--no-supervise``) the supervisor runs the show in a child process."""
from __future__ import annotations

import os


def live_entry(args) -> int:
    """``vj live``: supervised with a show file, else the show in this process."""
    wanted = args.supervise if args.supervise is not None else bool(args.show)
    if wanted and not os.environ.get("VJ_SUPERVISED"):
        from vj.show.autosave import state_path
        from vj.supervisor.process import Supervisor

        hint = (f"The last good state is in {state_path(args.show)}; start again with "
                f"vj live --show {args.show} --resume") if args.show else ""
        return Supervisor(args.live_argv, hang_after=args.hang_after, state_hint=hint).run()
    from vj.live.cli import cmd_live

    return cmd_live(args)


def cmd_show(args) -> int:
    from vj.show.template import check_show, new_show

    if args.show_command == "new":
        p = new_show(args.file, args.bank, force=args.force)
        print(f"wrote {p}: {len(args.bank)} song{'s' * (len(args.bank) != 1)}; edit it, then "
              f"vj show check {p}")
        return 0
    print(check_show(args.file, args._live_parser))
    return 0


def add_show_parser(sub, live_parser) -> None:
    p = sub.add_parser("show", help="write or check a show file (vj live --show)",
                       description="Show files run a whole set: songs in order, each with its "
                       "banks, preset, levels and cues, and the rig's options "
                       "(docs/live.md, 'Running a set').")
    ssub = p.add_subparsers(dest="show_command", metavar="COMMAND", required=True)
    n = ssub.add_parser("new", help="write a commented starting file, one song per bank",
                        description="Write a commented show file with one song per --bank.")
    n.add_argument("file", metavar="SHOW.toml")
    n.add_argument("--bank", action="append", required=True, metavar="DIR",
                   help="a bank folder: one song each, in order (repeat)")
    n.add_argument("--force", action="store_true", help="replace an existing file")
    c = ssub.add_parser("check", help="validate a show file without starting a show",
                        description="Read the show file as vj live --show would: its keys, "
                        "values, options, presets and banks; one line for the first problem.")
    c.add_argument("file", metavar="SHOW.toml")
    for q in (n, c):
        q.set_defaults(func=cmd_show, _live_parser=live_parser)
