"""Exam mode: exam files, per-student parameters, the signed result, grading.

Modules: `schema` (the exam file format), `loader` (read an exam with
file:line diagnostics, `plan_for` a student: the lab the shell runs and
the points of each check), `params` (values drawn from the seed),
`chain` (the hash-chained, fsync'd log), `signing` (the teacher's HMAC
key), `clock` (time left), `grading` (marks on the real engine state),
`result` (the signed result file and its verification), `session` (the
guided shell in exam mode), `run` (start or resume: log, clock, prompt
loop), `export` (CSV for Moodle, JSON, HTML report).
"""
