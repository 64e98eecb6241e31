"""Messages between the orchestrator and its worker processes (pickled tuples; the first item is the kind).

Orchestrator -> worker (one pipe per worker):
    ("task", WorkPacket)        run it
    ("abort", task_id, fence)   give that lease of the task back after the current object (pause, cancel,
                                lost lease); a later lease of the same task (another fence) runs
    ("stop",)                   finish the current object, give back everything else, exit

Worker -> orchestrator (one pipe per worker, so a worker killed mid-write can only damage its own pipe):
    ("ready", pid)                                   classifier built, send work
    ("startup_failed", error)                        could not start (one line), exits next
    ("discovered", task_id, fence, [DiscoveredObject], [FolderListing])   whole folders (or pages), listed
    ("spawn", task_id, fence, [(folder, page_from, page_to)])   discovery handed to new tasks (before "done")
    ("objects", task_id, fence, [ObjectResult])      finished objects with their findings
    ("heartbeat", [(task_id, fence), ...])
    ("reading", task_id, nbytes)                     bytes read so far of a big object being streamed (progress)
    ("done", task_id, fence)
    ("failed", task_id, fence, error, fatal)         fatal: the datasource refused us, fail the job
    ("released", task_id, fence)                     given back unfinished, attempt not counted
    ("exiting", peak_rss_bytes)
"""

TASK = "task"
ABORT = "abort"
STOP = "stop"

READY = "ready"
STARTUP_FAILED = "startup_failed"
DISCOVERED = "discovered"
SPAWN = "spawn"
OBJECTS = "objects"
HEARTBEAT = "heartbeat"
READING = "reading"
DONE = "done"
FAILED = "failed"
RELEASED = "released"
EXITING = "exiting"
