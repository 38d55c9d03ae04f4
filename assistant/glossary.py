"""English → French glossary, and French synonyms, of general news, business
and technology words.

Used to expand questions for the lexical leg and to check, before answering,
that the passages hold what a question asks for. It is a general vocabulary of
the news domain, not a list fitted to particular questions; words it does not
know are simply not expanded. Lines ``english words: french words`` translate;
lines ``= french words`` are groups of French words used for one another.
"""

from __future__ import annotations

import itertools

from .text import fold

_RAW = """
ai: ia intelligence artificielle
artificial: artificielle
intelligence: intelligence
acquire acquired acquisition acquisitions: acquisition acquerir rachat rachetee racheter
amount: montant somme
announce announced announcement: annonce annonce annoncer
backer backers backing back backed support supported supports: soutien soutenue soutenir financee finance
bet betting bets: pari parier positionner miser
billion billions: milliard milliards
million millions: million millions
bn: milliards
board: conseil
boss chief head leader led lead leads leading: tete dirigeant patron chef leader mene
ceo: pdg dirigeant patron directeur
chairman president: president
chip chips gpu gpus processor processors: processeurs puces
cloud: cloud
company companies firm firms business businesses: entreprise entreprises societe societes groupe firme
competitor competitors rival rivals compete competes competing competition: concurrent concurrents concurrence rival
cost costs expensive: cout couteux cher
country: pays
create created creation creator: creation cree creee createur
customer customers client clients: clients
day: jour
deal deals: accord operation
develop developed development: developper developpement
employees staff team teams: equipes employes salaries
engineer engineers: ingenieurs
europe european: europe europeen europeens europeenne
expertise: expertise
first: premier premiere
found founded founder founders: fondee fonde fondateur fondateurs creee
fund funds funding financing finance financed: financement financements fonds finance financee
german germany: allemand allemagne
giant giants: geants geant
goal goals aim objective: objectif objectifs
government: gouvernement
growth grow: croissance
invest invested investing investment investments investor investors: investi investissements investissement investir investisseurs injecte
lab laboratory: laboratoire
last latest recent recently: dernier derniere recemment
launch launched: lance lancement lancee
market markets: marche
model models: modele modeles
money cash capital: argent dollars capital financement
month months: mois
name named called: nom baptise baptises appele
network: reseau
new: nouveau nouvelle
news: nouvelle nouvelles information informations
good: bon bonne
bad: mauvais mauvaise
niche: niche
open: ouvert open
performance performances: performances
political politics: politique politiques
product products: produit produits
profit profits earnings: benefices
raise raised raising round rounds: leve levee lever levees tour
secure secured securing obtain obtained get got gather gathered collect collected: leve levee obtenu recolte
pour poured inject injected put: injecte investi verse
establish established setup: cree creee fondee lancement
reason why because: pourquoi raison car parce
reasoning: raisonnement
regulation regulator regulators: regulation regulateur
research: recherche
revenue revenues sales turnover: chiffre affaires revenus ventes
risk risky: risque risquee
scientist scientists: scientifiques scientifique
search engine: moteur recherche
share shares stake: part parts participation
social: social sociaux
startup startups start: start-up pepite pepites
strategy: strategie
superintelligence: superintelligence
team: equipe
technology tech: technologie tech
total overall: total
twitter: twitter
united states us usa american america: etats-unis americain americains americaine
valuation valued value worth: valorisation valeur vaut
week: semaine
year years: annee ans an
january: janvier
february: fevrier
march: mars
april: avril
may: mai
june: juin
july: juillet
august: aout
september: septembre
october: octobre
november: novembre
december: decembre
monday: lundi
friday: vendredi
one: un une
two: deux
three: trois
four: quatre
five: cinq
six: six
seven: sept
eight: huit
nine: neuf
ten: dix
dozen: douzaine
half: demi moitie
times fold: fois
hundred hundreds: cent centaines
thousand thousands: mille milliers
tens: dizaines
more additional extra further another: plus supplementaires supplementaire autre nouvelle
less fewer: moins
main biggest largest major key principal: principal principaux principale grand
best top: meilleur meilleurs premier
oldest old former ex: ancien anciens ancienne plus
youngest young: jeune
small smaller tiny: petit petits petite
big large huge: grand grande immense immenses
free: gratuit gratuitement
cheap: bon marche
fast quick quickly rapid: rapide rapidement
expect expected expects forecast forecasts plan plans planned upcoming coming next soon: prochaine prochain prochaines annoncent prevoit bientot
weeks: semaines
months: mois
ago since: depuis
after: apres
before: avant
until: jusqu
now today currently: aujourd actuellement
future: futur avenir
reach reached reaching: atteint porte portant
bring brought: porte apporte
buy bought purchase: acheter rachete rachat
sell sold: vendre vendu
hire hired hiring recruit recruited recruitment: recrutement recruter embauche
poach poached: arracher vampiriser
lose lost losses loss: pertes perte
debt: dette
ipo: bourse introduction
stock: action bourse
shareholder shareholders: actionnaires
owner owns own: proprietaire possede
partner partners partnership: partenaire partenaires partenariat
alliance: alliance
merger merge: fusion
regulatory antitrust: regulateur
scientific: scientifique
researchers researcher: chercheurs chercheur scientifiques
talent talents: talents scientifiques ingenieurs
computing compute power: calcul puissance
data: donnees
center centers: centre centres
energy: energie
users user: utilisateurs utilisateur
assistant: assistant
voice: vocal
image images: images
code coding: coder code
write writing: ecrire
tool tools: outils outil
feature features: fonctionnalites
ranking rankings leaderboard: classements classement
release released unveiled unveil: devoile publie sortie lance
publish published: publier publie
source: source
license: licence
charge charges bill billing pay paid: facturer facture payer
price prices: prix
survive survival: survie perennite
focus focusing focuses concentrate: concentrer concentrant concentre
effort efforts: efforts
goal: objectif
path way route: voie chemin trajectoire trajectoires
future outcome outcomes scenario scenarios options: trajectoires scenarios options
threat threats danger: menace danger
race: course
leader leaders: leader tete
challenger challengers: challenger challengers concurrent
pioneer: pionnier
behind: derriere
ahead lead: avance tete
catch catching: rattrape rattraper
gap: retard ecart deficit
french france: francaise francais france
chinese china: chine chinois
chatbot chatbots: chatbot assistant
stronghold strongholds bastion bastions: bastion bastions
historically historic history: historiquement histoire historique
flagship: fleuron phare
frontrunner front-runner: leader tete
powerful all-powerful mighty: puissant tout-puissant
administration: gouvernement administration
bankroll bankrolled bankrolling: financer finance financee
ally allied allies pair pairing duo: duo allie allies alliance
boast boasts boasted brag: targue vante
efficient efficiency: efficace efficacite
hopeful hopefuls hope: espoir espoirs
quit abandon abandoned towel: abandonne eponge jete
threat threaten existential: menace existentielle
president: president
election: election
billionaire: milliardaire
founder: fondateur
employee: employes salaries
staff: personnel
headquarters based: siege base
city: ville
why: pourquoi
who: qui
consequence consequences effect impact: consequence effet
conflict disagreement disagree: desaccord conflit
management managers: management direction
work works working: travail travaille
idea: idee
called: baptise baptises nomme
progressive woke: woke progressiste
= investi investir investissement investissements injecte injecter finance financer mise miser
= leve lever levee levees recolte
= soutien soutient soutenir soutenu soutenue appui
= fonde fondee fondateur cree creee creation lance lancee lancement
= valorisation valeur valorise
= dirigeant patron pdg directeur tete
= concurrent concurrents rival rivaux concurrence
= rachete rachat acquisition acquerir
"""


def _parse(raw: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for line in raw.strip().splitlines():
        if line.startswith("="):
            group = [fold(w) for w in line[1:].split()]
            for word in group:
                table[word] = table.get(word, ()) + tuple(w for w in group if w != word)
            continue
        left, _, right = line.partition(":")
        targets = tuple(fold(w) for w in right.split())
        for word in left.split():
            table[fold(word)] = table.get(fold(word), ()) + targets
    return table


EN_FR: dict[str, tuple[str, ...]] = _parse(_RAW)


def _reverse(raw: str) -> dict[str, tuple[str, ...]]:
    """French word → the English words of the lines that translate to it."""
    table: dict[str, tuple[str, ...]] = {}
    for line in raw.strip().splitlines():
        if line.startswith("="):
            continue
        left, _, right = line.partition(":")
        sources = tuple(fold(w) for w in left.split())
        for word in {fold(w) for w in right.split()}:
            table[word] = table.get(word, ()) + tuple(w for w in sources if w != word)
    return table


#: The glossary read French → English ("chiffre" → revenue, sales, turnover).
FR_EN: dict[str, tuple[str, ...]] = _reverse(_RAW)


def in_english(word: str) -> tuple[str, ...]:
    """English words whose French words (in the glossary) hold ``word`` (folded)."""
    return FR_EN.get(fold(word), ())


def translations(word: str) -> tuple[str, ...]:
    """French words for an English word, or French synonyms of a French word (folded)."""
    return EN_FR.get(fold(word), ())


def expand(text: str) -> str:
    """``text`` followed by the French words of its English words (for search)."""
    from .text import words

    ws = words(text)
    extra = [t for w in [*ws, *compounds(ws)] for t in translations(w)]
    return f"{text} {' '.join(extra)}" if extra else text


def compounds(ws: list[str]) -> list[str]:
    """Glossary words made of two successive words: "front-runner" and "set up"
    are cut into two words, but "frontrunner" and "setup" are in the glossary."""
    return [a + b for a, b in itertools.pairwise(ws) if translations(a + b)]
