"""The pipeline's messages in the page's language.

The fetcher, the readers and the feeds write their refusals once, in English, for
the log and the command line. The page shows the known kinds in French too, their
detail (a host, an address, a size) kept; a library's raw exception ("unreadable
(PdfStreamError: …)") becomes a plain reason in both languages. A message of no
known kind is shown as it is.
"""

from __future__ import annotations

import re

#: (what a kind of message looks like, its words by language). A language missing
#: keeps the English message; ``{0}``… are the pattern's groups. Each pattern is
#: tried once, in this order, on what the earlier ones left: a message made of two
#: kinds ("unsupported file type '.docx' (…): not indexed") has both translated.
KINDS: list[tuple[str, dict[str, str]]] = [
    # fetch.py: refused addresses, names, time and size limits, HTTP answers
    (r"refused: (\S+) is (.+?) \(set (\w+)=1 to allow\)",
     {"fr": "refusé : {0} est {1} (à autoriser sur le serveur par {2}=1)"}),
    (r"an IPv6 form of (\S+), ", {"fr": "une forme IPv6 de {0}, "}),
    (r"\ba private/loopback address", {"fr": "une adresse privée ou locale"}),
    (r"\ba link-local address", {"fr": "une adresse de lien local"}),
    (r"\ba multicast address", {"fr": "une adresse de multidiffusion"}),
    (r"\ban unspecified address", {"fr": "une adresse non spécifiée"}),
    (r"\ba reserved address", {"fr": "une adresse réservée"}),
    (r"\ba non-public address", {"fr": "une adresse non publique"}),
    (r"cannot resolve host '([^']*)'", {"fr": "nom de serveur introuvable : « {0} »"}),
    (r"timed out after (\S+) s \(resolving '([^']*)'\)",
     {"fr": "délai de {0} s dépassé (recherche du serveur « {1} »)"}),
    (r"timed out after (\S+) s", {"fr": "délai de {0} s dépassé"}),
    (r"HTTP (\d+) without a Location for (\S+)",
     {"fr": "réponse HTTP {0} sans adresse de redirection pour {1}"}),
    (r"HTTP (\d+) for (\S+)", {"fr": "le serveur a répondu HTTP {0} pour {1}"}),
    (r"too many redirects \(more than (\d+)\) for (\S+)",
     {"fr": "trop de redirections (plus de {0}) pour {1}"}),
    (r"larger than (\d+) bytes", {"fr": "plus de {0} octets"}),
    (r"cannot fetch (\S+): (.+)", {"fr": "impossible de lire {0} ({1})"}),
    (r"unsupported scheme '([^']*)'", {"fr": "protocole « {0} » non pris en charge"}),
    (r"no host in URL (.+)", {"fr": "pas de nom de serveur dans l’adresse {0}"}),
    # ingest.py and the readers: what a page, a feed or a file turned out to be
    (r"unsupported content type '([^']*)'",
     {"fr": "type de contenu « {0} » non pris en charge"}),
    (r"no article text found in the page", {"fr": "aucun texte d’article dans la page"}),
    (r"a feed inside a feed, not an article", {"fr": "un flux dans un flux, pas un article"}),
    (r"malformed feed \((.*)\)", {"fr": "flux mal formé ({0})"}),
    (r"feed has no entries", {"fr": "le flux n’a aucune entrée"}),
    (r"entry '(.*)' has no link", {"fr": "l’entrée « {0} » n’a pas de lien"}),
    (r"not an RSS/Atom feed", {"fr": "pas un flux RSS/Atom"}),
    # A library's parse error: the exception's name and text help no reader (the log
    # keeps them).
    (r"unreadable (?:PDF \(.*\)|\((?:Pdf\w*|EmptyFileError): .*\))$",
     {"fr": "PDF illisible : fichier endommagé ou incomplet",
      "en": "unreadable PDF: the file is damaged or incomplete"}),
    (r"unreadable \(\w+: .*\)$",
     {"fr": "fichier illisible : endommagé, ou pas au format qu’annonce son nom",
      "en": "unreadable file: damaged, or not in the format its name says"}),
    (r"unsupported file type '([^']*)' \(use (.+?)\)",
     {"fr": "type de fichier « {0} » non pris en charge (acceptés : {1})"}),
    (r"^no such file$", {"fr": "fichier introuvable"}),
    (r"^not a file$", {"fr": "pas un fichier"}),
    (r"^empty file$", {"fr": "fichier vide"}),
    (r"^not a PDF file$", {"fr": "pas un vrai fichier PDF"}),
    (r"^binary file, not text$", {"fr": "fichier binaire, pas du texte"}),
    (r"^no text in it$", {"fr": "aucun texte dedans"}),
    (r"^no text to save$", {"fr": "aucun texte à enregistrer"}),
    (r"(\d+) bytes, over the (\d+) byte limit",
     {"fr": "{0} octets : au-delà de la limite de {1} octets"}),
    (r"text over the (\d+) byte limit", {"fr": "texte au-delà de la limite de {0} octets"}),
    (r"front matter is not valid YAML \((.*)\)",
     {"fr": "en-tête (front matter) YAML invalide ({0})"}),
    # A refresh's words about the corpus folder's files
    (r"nearly the same text as (.+): indexed once, under that file",
     {"fr": "presque le même texte que {0} : indexé une seule fois, sous ce fichier"}),
    (r"same text as (.+): indexed once, under that file",
     {"fr": "le même texte que {0} : indexé une seule fois, sous ce fichier"}),
    (r"same URL as (.+): indexed once, under that file",
     {"fr": "la même adresse que {0} : indexé une seule fois, sous ce fichier"}),
    (r": not indexed$", {"fr": " : non indexé"}),
    # feeds.py: a subscription's address
    (r"not an http\(s\) feed address: (.+)", {"fr": "pas une adresse de flux http(s) : {0}"}),
    (r"not a valid address: (.+)", {"fr": "adresse invalide : {0}"}),
]

_COMPILED = [(re.compile(pattern), words) for pattern, words in KINDS]


def localized(message: str, lang: str) -> str:
    """``message`` (one of the pipeline's English lines) in ``lang``, as far as its
    kind is known; the rest of it as it is."""
    for pattern, words in _COMPILED:
        template = words.get(lang)
        if template is None:
            continue
        m = pattern.search(message)
        if m:
            message = message[:m.start()] + template.format(*m.groups()) + message[m.end():]
    return message
