"""Sending the morning digest and the alerts: e-mail (SMTP), Telegram, the sent-record.

- ``people.py``: each person's address and Telegram chat id, and the two secrets
  (SMTP password, bot token), in owner-only files of the profile;
- ``channels.py``: one message to one person by e-mail or Telegram, each request
  sent once (no retry here), a failure typed as surely-not-delivered or unknown;
- ``record.py``: the durable sent-record (``digest.sqlite``): what was sent to
  whom, claimed before it is sent, so nothing goes out twice.
"""
