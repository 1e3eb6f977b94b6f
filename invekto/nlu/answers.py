"""Short answers to a question the bot asked: yes or no ("evet olur", "yok istemiyorum")."""

from __future__ import annotations

import re

from invekto.core.text import fold

_YES = re.compile(
    r"^\W*(?:(?:harika|super|supersiniz|mukemmel|great|perfect|awesome|cool|ممتاز|رائع)\W+)?"
    r"(evet|olur|tamam|tamamdir|tabi|tabii|isterim|uygun|kabul|aynen|olsun|peki|ok|okay|"
    r"yes|yeah|yep|sure|please do|go ahead|نعم|موافق|حسنا)\b"
)
_NO = re.compile(
    r"^\W*(hayir|yok|istemiyorum|istemem|olmaz|gerek yok|no|nope|no thanks|not really|لا)\b"
)


def yes_or_no(text: str) -> bool | None:
    """'evet olur' → True, 'hayır iade istiyorum' → False, anything else → None."""
    folded = fold(text)
    if _NO.search(folded):
        return False
    if _YES.search(folded) or "👍" in text:
        return True
    return None
