"""What a task's generation plan is made of: the plan's protocol and context
(``base``), prompt template files (``templates``), answer cleaning (``answers``) and
decoding grammars (``grammar``). The loop that runs a plan is ``harness.generate``."""
