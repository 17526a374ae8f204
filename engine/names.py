"""Random container names in Docker's style (`adjective_surname`), from our own word lists."""
from __future__ import annotations

import random

ADJECTIVES = """admiring agitated amazing blissful bold brave busy charming clever cool
compassionate confident cranky dazzling determined eager ecstatic elastic elegant epic
festive focused friendly frosty funny gallant gifted goofy gracious happy hardcore
heuristic hopeful hungry infallible inspiring jolly jovial keen kind laughing loving lucid
magical modest musing mystifying naughty nervous nice nifty nostalgic objective optimistic
peaceful pedantic pensive practical priceless quirky quizzical relaxed reverent romantic
serene sharp silly sleepy stoic strange suspicious sweet tender thirsty trusting unruffled
upbeat vibrant vigilant vigorous wizardly wonderful xenodochial youthful zealous zen""".split()

SURNAMES = """agnesi albattani allen almeida archimedes ardinghelli aryabhata babbage banach
bardeen bartik bassi bell benz bhabha blackwell bohr booth borg bose boyd brahmagupta
brattain brown carson cartwright cerf chandrasekhar chatelet chaum clarke colden cori
curie darwin davinci dijkstra driscoll dubinsky easley einstein elion engelbart euclid
euler fermat fermi feynman franklin galileo gauss germain goldberg goodall hamilton
hawking heisenberg hertz hodgkin hopper hypatia jackson jang johnson kalam kepler khorana
knuth kowalevski lamarr lamport leakey lovelace lumiere mayer mccarthy meitner mendel
montalcini moore morse napier newton nobel noether pascal pasteur payne perlman pike
poincare ptolemy raman ramanujan ritchie rosalind sammet shannon shockley sinoussi swanson
tesla thompson torvalds turing varahamihira villani wescoff wiles williams wing wozniak
wright yalow yonath zhukovsky""".split()


def random_name() -> str:
    return f"{random.choice(ADJECTIVES)}_{random.choice(SURNAMES)}"
