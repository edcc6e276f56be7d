"""linesim: a strict, in-memory stand-in for the LINE Messaging API platform.

Run it with `python -m linesim`; the product talks to it through line-bot-sdk with
`Configuration(host=...)`, and tests steer simulated users through the `/_sim` control API.
"""
