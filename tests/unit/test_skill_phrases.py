"""Skills and needs as members type them, in the eight languages, and the score the vocabulary gets.

A held-out set: written from how people type in chats (typos, missing accents, inflected and
colloquial forms, compounds, verbs, lists), not copied from the vocabulary's own terms. A line is
``phrase | expected skill ids`` ("-" for none: an everyday phrase that must match nothing);
phrases are /need texts (``extract_need_tags``), a leading "@" makes one a /skills list
(``canonical_tags``, free tags not counted). Recall is found / expected, precision is right /
found, over every id of every phrase; goals: recall >= 97 %, precision >= 98 %.

Three batches, each written before the vocabulary work it measured: the first before the
families were filled in, the second and third each after the previous one had been scored. Each
then guided fixes (vocabulary gaps, false friends); expectations were never changed to fit a
result. First scores, before those fixes: first batch recall 96.9 %, precision 97.2 %; second
91.5 % / 99.2 %; third 85.2 % / 92.6 % (needs that describe a task: "our olive harvest needs
extra hands"). ``pytest -s`` prints the figures per batch and language, and the time per phrase.
"""
from __future__ import annotations

import time

import pytest

from bot.vocabulary import (
    FREE_PREFIX,
    LANGUAGES,
    Vocabulary,
    canonical_tags,
    extract_need_tags,
    load_vocabulary,
    matching_key,
    parse_vocabulary,
    read_vocabulary_data,
)

PHRASES: dict[str, str] = {
    "en": """
looking for someone to translate our website into German  | translation website
need a logo for my bakery                                   | logo-design
Python developer available for freelance gigs               | programming
UI/UX designer                                              | ux-design
help with my tax return please                              | tax-advice
anyone know a good physio? my back is killing me            | physiotherapy
we need a photograper for the opening night                 | photography
looking for a babysitter on saturday evening                | childcare
wedding photographer                                        | photography
a beekeeper to talk about our honey project                 | beekeeping
grant writing for EU projects                               | grant-writing
need help setting up a wordpress site                       | wordpress
acountant who knows the croatian rules                      | accounting
video editing + subtitles for a short film                  | video-editing subtitling
bike repair                                                 | bicycle-repair
need IT support, my laptop won't boot                       | it-support
olive oil producer                                          | olive-oil
winemaker                                                   | winemaking
data viz with d3                                            | data-visualization
proof-reading of my thesis                                  | proofreading
yoga teacher for morning classes                            | yoga
plumber urgently, the kitchen sink leaks                    | plumbing
SEO & social media                                          | seo social-media
dog walker needed next week                                 | pet-care
someone to mediate a conflict between two partners          | mediation
help answering public procurement tenders                   | public-tenders
German lessons                                              | language-teaching
sound engineer for a gig                                    | sound-engineering
drone pilot for aerial shots                                | drones
cheesemaking workshop                                       | cheese-making
looking for a carpenter to build shelves                    | woodworking
gardener for a small terrace                                | gardening
help with my CV                                             | cv-writing
need someone to translate a contract                        | translation
home care for my elderly mother                             | elderly-care
@ Illustration, watercolour painting                        | illustration painting
@ photography / video editing / drone                       | photography video-editing drones
@ UX/UI, Figma                                              | ux-design
@ accounting; payroll; tax returns                          | accounting payroll tax-advice
is anyone going for lunch?                                  | -
the wifi is down again                                      | -
can I book the meeting room tomorrow                        | -
who left their umbrella in the kitchen                      | -
happy birthday Marco!                                       | -
the coffee machine is broken                                | -
I'll be late today, train delayed                           | -
great talk yesterday, thanks everyone                       | -
where do I find the printer paper                           | -
the heating is too high in room 2                           | -
who wants to join the football match on friday              | -
does anyone have a phone charger                            | -
""",
    "fr": """
je cherche quelqu'un pour traduire mon site en anglais      | translation website
besoin d'un logo pour mon asso                              | logo-design
développeur python dispo                                    | programming
qui connaît une bonne compta ?                              | accounting
graphiste freelance                                         | graphic-design
cherche kiné près du centre                                 | physiotherapy
garde d'enfants mercredi après-midi                         | childcare
photographe pour un mariage                                 | photography
apiculteur                                                  | beekeeping
aide pour répondre à un appel d'offres public               | public-tenders
réparation de vélo                                          | bicycle-repair
cours de guitare                                            | music-teaching
vigneron                                                    | winemaking
fabrication de fromage de chèvre                            | cheese-making
besoin d'un plombier, fuite dans la cuisine                 | plumbing
relecture de mon mémoire                                    | proofreading
référencement + réseaux sociaux                             | seo social-media
aide pour ma déclaration d'impots                           | tax-advice
cherche un menuisier pour des étagères                      | woodworking
jardinier pour entretenir la terrasse                       | gardening
organisation d'évènements                                   | event-organisation
professeure de yoga                                         | yoga
infirmière à domicile                                       | nursing
maçon pour un mur en pierre                                 | masonry
dévelopement web                                            | web-development
médiation familiale                                         | mediation
traductrice anglais-français                                | translation
je fais du pain au levain et des viennoiseries              | baking pastry
assurance pour mon activité de freelance                    | insurance
dépannage électrique                                        | electrical-installation
cours particuliers de maths                                 | teaching
rédaction de CV                                             | cv-writing
@ UX/UI, design d'interface, Figma                          | ux-design
@ montage vidéo, sous-titrage, doublage                     | video-editing subtitling voice-over
@ comptabilité / paie / fiscalité                           | accounting payroll tax-advice
quelqu'un veut déjeuner à midi ?                            | -
le wifi ne marche plus                                      | -
la salle de réunion est réservée demain                     | -
je cherche une maison à louer                               | -
bon anniversaire Julie                                      | -
il pleut encore                                             | -
la machine à café est en panne                              | -
merci pour la soirée d'hier                                 | -
quelqu'un a vu mes clés ?                                   | -
je serai en retard ce matin                                 | -
on se retrouve au bar ce soir ?                             | -
mon chef m'a appelé                                         | -
""",
    "it": """
mi serve una traduzione del sito in inglese                 | translation website
qualcuno può tradurre un contratto?                         | translation
logo per la mia associazione                                | logo-design
programmatore python                                        | programming
sviluppatrice web freelance                                 | web-development
commercialista per partita iva                              | accounting
fisioterapista a domicilio                                  | physiotherapy
babysitter per sabato sera                                  | childcare
fotografo per matrimonio                                    | photography
apicoltore                                                  | beekeeping
produzione di olio extravergine                             | olive-oil
riparazione bici                                            | bicycle-repair
lezioni di chitarra                                         | music-teaching
viticoltura e vinificazione                                 | viticulture winemaking
casaro                                                      | cheese-making
idraulico urgente                                           | plumbing
correzione bozze tesi                                       | proofreading
gestione social e SEO                                       | social-media seo
falegname per mensole                                       | woodworking
giardiniere                                                 | gardening
organizzazione eventi aziendali                             | event-organisation
insegnante di yoga                                          | yoga
infermiera                                                  | nursing
muratore                                                    | masonry
tradutore inglese                                           | translation
laureata in mediazione linguistica                          | interpreting
ufficio stampa per un festival                              | public-relations
panificazione e pasticceria                                 | baking pastry
assicurazioni                                               | insurance
elettricista                                                | electrical-installation
ripetizioni di matematica                                   | teaching
restauro mobili antichi                                     | furniture-restoration
@ grafica, impaginazione, illustrazione                     | graphic-design layout-design illustration
@ contabilità; buste paga; dichiarazione dei redditi        | accounting payroll tax-advice
qualcuno viene a pranzo?                                    | -
il wifi non funziona                                        | -
ho prenotato la sala riunioni                               | -
buon compleanno!                                            | -
la macchinetta del caffè è rotta                            | -
grazie a tutti per ieri sera                                | -
chi ha lasciato l'ombrello in cucina?                       | -
domani lavoro da casa                                       | -
c'è posto per parcheggiare?                                 | -
ai clienti serve una mano                                   | -
""",
    "es": """
necesito traducir mi página web al inglés                   | translation website
diseño de logo para una cafetería                           | logo-design
programador python                                          | programming
busco contable para autónomos                               | accounting
fisio para una lesión de rodilla                            | physiotherapy
canguro para el sábado                                      | childcare
fotografa de bodas                                          | photography
apicultor                                                   | beekeeping
aceite de oliva virgen extra                                | olive-oil
reparación de bicicletas                                    | bicycle-repair
clases de guitarra                                          | music-teaching
enólogo                                                     | winemaking
quesería artesanal                                          | cheese-making
fontanero urgente                                           | plumbing
corrección de textos para mi TFG                            | proofreading
SEO y redes sociales                                        | seo social-media
carpintero para unas estanterías                            | woodworking
jardinero                                                   | gardening
organizamos eventos corporativos                            | event-organisation
profe de yoga                                               | yoga
enfermera a domicilio                                       | nursing
albañil para reforma del baño                               | masonry renovation
traductora jurada                                           | sworn-translation
diseñadora UX/UI                                            | ux-design
panadería y repostería                                      | baking pastry
corredor de seguros                                         | insurance
electricista                                                | electrical-installation
clases particulares de mates                                | teaching
restauración de muebles                                     | furniture-restoration
camarero para un evento el sábado                           | waiting-tables
abogada laboralista                                         | labour-law
@ contabilidad, nóminas, impuestos                          | accounting payroll tax-advice
@ fotografía + drones                                       | photography drones
¿alguien viene a comer?                                     | -
no funciona el wifi                                         | -
he reservado la sala de reuniones                           | -
feliz cumple!                                               | -
estoy seguro de que mañana llueve                           | -
la cafetera está rota                                       | -
gracias por lo de ayer                                      | -
¿quién se ha dejado el paraguas en la cocina?               | -
mañana trabajo desde casa                                   | -
¿dónde está la carpeta azul?                                | -
me voy de vacaciones                                        | -
""",
    "el": """
ψάχνω κάποιον να μεταφράσει την ιστοσελίδα μας στα αγγλικά  | translation website
χρειάζομαι λογότυπο για το μαγαζί                           | logo-design
προγραμματιστής python                                      | programming
λογιστής για ελεύθερο επαγγελματία                          | accounting
φυσιοθεραπευτής στο σπίτι                                   | physiotherapy
μπέιμπι σίτερ για το Σάββατο                                | childcare
φωτογράφος γάμου                                            | photography
μελισσοκόμος                                                | beekeeping
παραγωγή ελαιολάδου                                         | olive-oil
επισκευή ποδηλάτου                                          | bicycle-repair
μαθήματα κιθάρας                                            | music-teaching
οινοποιός                                                   | winemaking
τυροκόμος                                                   | cheese-making
υδραυλικός επειγόντως                                       | plumbing
επιμέλεια κειμένου για βιβλίο                               | proofreading
SEO και social media                                        | seo social-media
ξυλουργός για ντουλάπα                                      | woodworking
κηπουρός                                                    | gardening
διοργάνωση εκδήλωσης                                        | event-organisation
δασκάλα γιόγκα                                              | yoga
νοσηλεύτρια κατ' οίκον                                      | nursing
metafrasi                                                   | translation
grafistas gia logotypo                                      | graphic-design logo-design
logistis                                                    | accounting
σχεδιασμός UX/UI                                            | ux-design
αρτοποιός και ζαχαροπλάστης                                 | baking pastry
ασφαλιστής                                                  | insurance
ηλεκτρολόγος                                                | electrical-installation
ιδιαίτερα μαθήματα μαθηματικών                              | teaching
σερβιτόρος για το Σαββατοκύριακο                            | waiting-tables
ξεναγός στα ιταλικά                                         | tour-guiding
λογιστρια                                                   | accounting
@ λογιστική, μισθοδοσία, φορολογικές δηλώσεις               | accounting payroll tax-advice
πάει κανείς για φαγητό;                                     | -
δεν δουλεύει το wifi                                        | -
έκλεισα την αίθουσα συσκέψεων για αύριο                     | -
χρόνια πολλά!                                               | -
χάλασε η καφετιέρα                                          | -
ευχαριστώ για χθες                                          | -
θα αργήσω λίγο σήμερα                                       | -
έχω ένα σχέδιο για το Σάββατο                               | -
kalimera se olous                                           | -
pame gia kafe?                                              | -
ποιος άφησε την ομπρέλα στην κουζίνα;                       | -
""",
    "hr": """
tražim nekoga tko bi preveo web stranicu na engleski        | translation website
treba mi logo za kafić                                      | logo-design
python programer                                            | programming
knjigovođa za obrt                                          | bookkeeping
fizioterapeut za leđa                                       | physiotherapy
čuvanje djece u subotu                                      | childcare
fotograf za vjenčanje                                       | photography
pčelar                                                      | beekeeping
proizvodnja maslinova ulja                                  | olive-oil
popravak bicikla                                            | bicycle-repair
satovi gitare                                               | music-teaching
vinar                                                       | winemaking
sirar                                                       | cheese-making
vodoinstalater hitno                                        | plumbing
lektoriranje diplomskog rada                                | proofreading
SEO i društvene mreže                                       | seo social-media
stolar za police                                            | woodworking
vrtlar                                                      | gardening
organizacija eventa                                         | event-organisation
instruktorica joge                                          | yoga
medicinska sestra                                           | nursing
zidar                                                       | masonry
prevodilac                                                  | translation
pisanje EU projekata                                        | grant-writing
UX/UI dizajnerica                                           | ux-design
pekar i slastičar                                           | baking pastry
osiguranje                                                  | insurance
elektricar                                                  | electrical-installation
instrukcije iz matematike                                   | teaching
konobar za vikend                                           | waiting-tables
turistički vodič po Splitu                                  | tour-guiding
racunovodja                                                 | accounting
@ računovodstvo, obračun plaća, porezi                      | accounting payroll tax-advice
ide li netko na ručak?                                      | -
ne radi wifi                                                | -
rezervirao sam sobu za sastanke                             | -
sretan rođendan!                                            | -
pokvario se aparat za kavu                                  | -
hvala svima za jučer                                        | -
kasnit ću danas                                             | -
gdje je punjač za mobitel?                                  | -
sutra radim od kuće                                         | -
ima li mjesta za parkiranje?                                | -
""",
    "de": """
suche jemanden, der unsere Webseite ins Englische übersetzt | translation website
brauche ein Logo für meinen Laden                           | logo-design
Python-Entwickler                                           | programming
Steuerberaterin gesucht                                     | tax-advice
Physiotherapeut für Hausbesuche                             | physiotherapy
Babysitter am Samstag                                       | childcare
Hochzeitsfotograf                                           | photography
Imker                                                       | beekeeping
Olivenöl aus eigener Herstellung                            | olive-oil
Fahrradreparatur                                            | bicycle-repair
Gitarrenunterricht                                          | music-teaching
Winzer                                                      | winemaking
Käserei                                                     | cheese-making
Klempner dringend                                           | plumbing
Korrekturlesen meiner Masterarbeit                          | proofreading
SEO & Social Media                                          | seo social-media
Schreiner für Regale                                        | woodworking
Gärtner                                                     | gardening
Veranstaltungsorganisation                                  | event-organisation
Yogalehrerin                                                | yoga
Krankenpfleger                                              | nursing
Maurer                                                      | masonry
Ubersetzerin Deutsch-Kroatisch                              | translation
Grafikdesignerin für Flyer                                  | graphic-design
UX/UI-Designer                                              | ux-design
Bäcker und Konditor                                         | baking pastry
Versicherungsmakler                                         | insurance
Elektriker                                                  | electrical-installation
Nachhilfe in Mathe                                          | teaching
Kellner fürs Wochenende                                     | waiting-tables
Stadtführerin in Wien                                       | tour-guiding
Softwareentwicklerin mit Erfahrung in Django                | programming
@ Buchhaltung, Lohnabrechnung, Steuern                      | bookkeeping payroll tax-advice
geht jemand mit zum Mittagessen?                            | -
das WLAN geht nicht                                         | -
ich habe den Besprechungsraum reserviert                    | -
alles Gute zum Geburtstag!                                  | -
die Kaffeemaschine ist kaputt                               | -
danke für gestern                                           | -
Mein Chef kommt heute                                       | -
ich komme heute später                                      | -
Vorsicht, Gift im Keller gegen Mäuse                        | -
wo ist das Ladekabel?                                       | -
morgen arbeite ich von zu Hause                             | -
das ist eine gute Art, es zu machen                         | -
""",
    "sl": """
iščem nekoga, ki bi prevedel spletno stran v angleščino     | translation website
potrebujem logotip za društvo                               | logo-design
python programer                                            | programming
računovodkinja za s.p.                                      | accounting
fizioterapevt                                               | physiotherapy
varstvo otrok v soboto                                      | childcare
fotograf za poroko                                          | photography
čebelar                                                     | beekeeping
pridelava oljčnega olja                                     | olive-oil
popravilo kolesa                                            | bicycle-repair
učenje kitare                                               | music-teaching
vinar                                                       | winemaking
sirarstvo                                                   | cheese-making
vodoinštalater nujno                                        | plumbing
lektoriranje diplome                                        | proofreading
SEO in družbena omrežja                                     | seo social-media
mizar za police                                             | woodworking
vrtnar                                                      | gardening
organizacija dogodka                                        | event-organisation
inštruktorica joge                                          | yoga
medicinska sestra                                           | nursing
zidar                                                       | masonry
prevajalka iz nemščine                                      | translation
prijave na razpise EU                                       | grant-writing
UX/UI oblikovalka                                           | ux-design
peka kruha in slaščičarstvo                                 | baking pastry
zavarovanje                                                 | insurance
električar                                                  | electrical-installation
inštrukcije matematike                                      | teaching
natakar za vikend                                           | waiting-tables
turistični vodnik po Ljubljani                              | tour-guiding
pisanje razpisov                                            | grant-writing
@ računovodstvo, obračun plač, davki                        | accounting payroll tax-advice
gre kdo na kosilo?                                          | -
wifi ne dela                                                | -
rezerviral sem sejno sobo                                   | -
vse najboljše za rojstni dan!                               | -
aparat za kavo je pokvarjen                                 | -
hvala vsem za včeraj                                        | -
danes bom zamudil                                           | -
kje je polnilec za telefon?                                 | -
jutri delam od doma                                         | -
ali je še kaj prostora na parkirišču?                       | -
""",
}

# A second batch, written after the vocabulary was complete. It first scored recall 91.5 %,
# precision 99.2 %; the gaps it showed (VAT in every language, "3D modeller") were filled after.
LATER: dict[str, str] = {
    "en": """
we're looking for a freelance copywriter for our newsletter | copywriting
can someone help me set up google analytics on my shop?     | web-analytics
need an accountant and a lawyer to set up a company         | accounting legal-advice company-formation
looking for a sommelier for a wine tasting evening          | sommelier
who knows a good hairdresser nearby?                        | hairdressing
physio or massage therapist for my shoulder                 | physiotherapy massage
grant writer with Horizon Europe experience                 | grant-writing
3d modeller for architectural renders                       | 3d-modeling
translator english>croatian for a tourist brochure          | translation
someone to build a shopify store                            | e-commerce
looking for an electrician to install sockets               | electrical-installation
@ data analysis, SQL, Power BI                              | data-analysis databases
@ yoga & meditation                                         | yoga
need a videographer + drone pilot for our festival          | videography drones
tutoring in maths for my son                                | teaching
kid's birthday: anyone know a clown?                        | -
the printer on the 2nd floor is jammed again                | -
anyone up for drinks after work?                            | -
please don't leave dishes in the sink                       | -
the meeting got moved to Thursday                           | -
happy new year everyone!                                    | -
""",
    "fr": """
je cherche un photographe pour des photos produits          | photography
besoin d'aide pour ma déclaration de TVA                    | tax-advice
quelqu'un pour refaire notre site vitrine ?                 | website
cherche une traductrice italien-français pour un contrat    | translation
un plombier dispo ce week-end ?                             | plumbing
cours de yoga le mardi soir                                 | yoga
développeuse react cherche missions                         | programming
besoin d'un comptable pour ma micro-entreprise              | accounting
@ illustration, BD, aquarelle                               | illustration painting
@ apiculture + maraîchage                                   | beekeeping farming
je donne des cours de guitare et de piano                   | music-teaching
recherche un électricien pour une rénovation                | electrical-installation renovation
aide pour monter un dossier de subvention                   | grant-writing
jardinier paysagiste                                        | gardening landscape-design
kinésithérapeute du sport                                   | physiotherapy
qui a fini le café ?                                        | -
la réunion est décalée à jeudi                              | -
je travaille de chez moi demain                             | -
bonne année à tous !                                        | -
l'imprimante est encore bloquée                             | -
on va boire un verre ce soir ?                              | -
""",
    "it": """
cerco un fotografo per foto di prodotto                     | photography
serve aiuto con la dichiarazione iva                        | tax-advice
qualcuno che rifaccia il nostro sito?                       | website
traduttrice dal tedesco all'italiano                        | translation
un idraulico disponibile sabato?                            | plumbing
corso di yoga il martedì                                    | yoga
sviluppatore react cerco progetti                           | programming
commercialista per il forfettario                           | accounting
@ illustrazione, fumetto, acquerello                        | illustration painting
@ apicoltura + orto                                         | beekeeping
do lezioni di chitarra e pianoforte                         | music-teaching
cerco un elettricista per una ristrutturazione              | electrical-installation renovation
aiuto per scrivere un progetto europeo                      | grant-writing
giardiniere per la potatura degli olivi                     | gardening
massaggiatrice sportiva                                     | massage
chi ha finito il caffè?                                     | -
la riunione è spostata a giovedì                            | -
domani lavoro da remoto                                     | -
buon anno a tutti!                                          | -
la stampante è di nuovo bloccata                            | -
andiamo a bere qualcosa stasera?                            | -
""",
    "es": """
busco fotógrafo para fotos de producto                      | photography
ayuda con la declaración del IVA                            | tax-advice
¿alguien que rehaga nuestra web?                            | website
traductora de alemán a español                              | translation
¿algún fontanero libre este finde?                          | plumbing
clases de yoga los martes                                   | yoga
desarrollador react busca proyectos                         | programming
gestoría para autónomos                                     | tax-advice
@ ilustración, cómic, acuarela                              | illustration painting
@ apicultura + huerto                                       | beekeeping
doy clases de guitarra y piano                              | music-teaching
busco electricista para una reforma                         | electrical-installation renovation
ayuda para pedir una subvención europea                     | grant-writing
jardinero y poda de olivos                                  | gardening
masajista deportiva                                         | massage
¿quién se ha acabado el café?                               | -
la reunión se ha movido al jueves                           | -
mañana teletrabajo                                          | -
¡feliz año nuevo a todos!                                   | -
la impresora se ha vuelto a atascar                         | -
¿vamos a tomar algo esta noche?                             | -
""",
    "el": """
ψάχνω φωτογράφο για φωτογραφίες προϊόντων                   | photography
βοήθεια με τη δήλωση ΦΠΑ                                    | tax-advice
κάποιος να φτιάξει την ιστοσελίδα μας;                      | website
μεταφράστρια από γερμανικά σε ελληνικά                      | translation
υδραυλικό για το Σάββατο                                    | plumbing
μαθήματα γιόγκα την Τρίτη                                   | yoga
προγραμματιστής react ψάχνει projects                       | programming
λογιστή για ελεύθερο επαγγελματία                           | accounting
@ εικονογράφηση, κόμικς, ακουαρέλα                          | illustration painting
@ μελισσοκομία + λαχανόκηπος                                | beekeeping
παραδίδω μαθήματα κιθάρας και πιάνου                        | music-teaching
ηλεκτρολόγο για ανακαίνιση                                  | electrical-installation renovation
grafistria gia logotypo                                     | graphic-design logo-design
κηπουρός για κλάδεμα ελιών                                  | gardening
μασέρ για αθλητικό μασάζ                                    | massage
ποιος τελείωσε τον καφέ;                                    | -
η συνάντηση μετακινήθηκε για την Πέμπτη                     | -
αύριο δουλεύω από το σπίτι                                  | -
καλή χρονιά σε όλους!                                       | -
ο εκτυπωτής κόλλησε πάλι                                    | -
πάμε για ποτό απόψε;                                        | -
""",
    "hr": """
tražim fotografa za fotke proizvoda                         | photography
pomoć oko PDV prijave                                       | tax-advice
netko tko bi nam napravio web stranicu?                     | website
prevoditeljica s njemačkog na hrvatski                      | translation
vodoinstalater slobodan ovaj vikend?                        | plumbing
joga utorkom navečer                                        | yoga
react developer traži projekte                              | programming
knjigovodstveni servis za obrt                              | bookkeeping
@ ilustracija, strip, akvarel                               | illustration painting
@ pčelarstvo + vrt                                          | beekeeping
držim satove gitare i klavira                               | music-teaching
električar za renovaciju stana                              | electrical-installation renovation
pomoć oko prijave na EU natječaj                            | grant-writing
vrtlar za orezivanje maslina                                | gardening
maserka za sportsku masažu                                  | massage
tko je popio svu kavu?                                      | -
sastanak je pomaknut na četvrtak                            | -
sutra radim od doma                                         | -
sretna nova godina svima!                                   | -
printer se opet zaglavio                                    | -
idemo na piće večeras?                                      | -
""",
    "de": """
suche Fotografen für Produktfotos                           | photography
Hilfe bei der Umsatzsteuervoranmeldung                      | tax-advice
wer kann unsere Webseite überarbeiten?                      | website
Übersetzerin Italienisch-Deutsch für einen Vertrag          | translation
Klempner am Wochenende frei?                                | plumbing
Yogakurs dienstags                                          | yoga
React-Entwickler sucht Projekte                             | programming
Steuerberater für Freiberufler                              | tax-advice
@ Illustration, Comics, Aquarell                            | illustration painting
@ Imkerei + Gemüsegarten                                    | beekeeping
gebe Gitarren- und Klavierunterricht                        | music-teaching
Elektriker für eine Renovierung gesucht                     | electrical-installation renovation
Hilfe beim Förderantrag für EU-Mittel                       | grant-writing
Gärtnerin für Baumschnitt                                   | gardening
Sportmasseurin                                              | massage
wer hat den Kaffee leer gemacht?                            | -
das Meeting ist auf Donnerstag verschoben                   | -
morgen arbeite ich im Homeoffice                            | -
frohes neues Jahr euch allen!                               | -
der Drucker klemmt schon wieder                             | -
gehen wir heute Abend was trinken?                          | -
""",
    "sl": """
iščem fotografa za fotografije izdelkov                     | photography
pomoč pri obračunu DDV                                      | tax-advice
nekdo, ki bi nam prenovil spletno stran?                    | website
prevajalec za pogodbo                                       | translation
vodoinštalater prost ta vikend?                             | plumbing
joga ob torkih zvečer                                       | yoga
react razvijalec išče projekte                              | programming
računovodski servis za s.p.                                 | accounting
@ ilustracija, strip, akvarel                               | illustration painting
@ čebelarstvo + vrt                                         | beekeeping
poučujem kitaro in klavir                                   | music-teaching
električar za prenovo stanovanja                            | electrical-installation renovation
pomoč pri prijavi na evropski razpis                        | grant-writing
vrtnar za obrezovanje oljk                                  | gardening
maserka za športno masažo                                   | massage
kdo je popil vso kavo?                                      | -
sestanek je prestavljen na četrtek                          | -
jutri delam na daljavo                                      | -
srečno novo leto vsem!                                      | -
tiskalnik se je spet zataknil                               | -
gremo zvečer na pijačo?                                     | -
""",
}

# A third batch, written once the second one had been scored and its vocabulary gaps filled. It
# first scored recall 85.2 %, precision 92.6 %; only object words it showed missing (olives,
# leather, tiles) were added after.
FRESH: dict[str, str] = {
    "en": """
anyone here do leather goods? need a wallet repaired        | leatherwork
our olive harvest needs extra hands in october              | olive-oil
looking for a ceramics teacher for a team workshop          | ceramics
need a notary to certify a signature                        | notary
help moving a piano next saturday                           | removals
tile layer needed for a small bathroom                      | tiling
can anyone recommend a speech therapist for my kid?         | speech-therapy
@ market research, surveys                                  | market-research surveys
looking for a cheesemaker to collaborate on a tasting       | cheese-making
need a lifeguard for the pool party                         | first-aid
is the wifi password still the same?                        | -
lost a blue scarf in the lounge                             | -
who's bringing snacks on friday?                            | -
""",
    "fr": """
quelqu'un pour réparer mon sac en cuir ?                    | leatherwork
besoin de bras pour la récolte des olives                   | olive-oil
cherche une céramiste pour un atelier d'équipe              | ceramics
besoin d'un notaire pour un acte de vente                   | notary
aide pour un déménagement samedi                            | removals
carreleur pour une petite salle de bain                     | tiling
une orthophoniste pour mon fils ?                           | speech-therapy
@ étude de marché, sondages                                 | market-research surveys
fromager pour une dégustation                               | cheese-making
secouriste pour une fête                                    | first-aid
le code wifi a changé ?                                     | -
j'ai perdu une écharpe bleue                                | -
qui apporte des croissants vendredi ?                       | -
""",
    "it": """
qualcuno lavora la pelle? devo riparare una borsa           | leatherwork
servono braccia per la raccolta delle olive                 | olive-oil
cerco una ceramista per un laboratorio di team building     | ceramics
serve un notaio per un rogito                               | notary
aiuto per un trasloco sabato                                | removals
piastrellista per un bagno piccolo                          | tiling
una logopedista per mio figlio?                             | speech-therapy
@ ricerche di mercato, sondaggi                             | market-research surveys
casaro per una degustazione                                 | cheese-making
bagnino per la festa in piscina                             | first-aid
la password del wifi è cambiata?                            | -
ho perso una sciarpa blu                                    | -
chi porta i cornetti venerdì?                               | -
""",
    "es": """
¿alguien trabaja el cuero? necesito arreglar un bolso       | leatherwork
se necesitan manos para la cosecha de aceitunas             | olive-oil
busco ceramista para un taller de equipo                    | ceramics
necesito un notario para una escritura                      | notary
ayuda con una mudanza el sábado                             | removals
alicatador para un baño pequeño                             | tiling
¿una logopeda para mi hijo?                                 | speech-therapy
@ estudios de mercado, encuestas                            | market-research surveys
quesero para una cata                                       | cheese-making
socorrista para la fiesta de la piscina                     | first-aid
¿ha cambiado la contraseña del wifi?                        | -
he perdido una bufanda azul                                 | -
¿quién trae churros el viernes?                             | -
""",
    "el": """
ξέρει κανείς δερματοποιό; θέλω να φτιάξω μια τσάντα         | leatherwork
χρειαζόμαστε χέρια για το μάζεμα της ελιάς                  | olive-oil
ψάχνω κεραμίστα για εργαστήριο ομάδας                       | ceramics
χρειάζομαι συμβολαιογράφο για πώληση ακινήτου               | notary
βοήθεια με μετακόμιση το Σάββατο                            | removals
πλακάκια για ένα μικρό μπάνιο                               | tiling
λογοθεραπεύτρια για το παιδί μου;                           | speech-therapy
@ έρευνα αγοράς, δημοσκοπήσεις                              | market-research surveys
τυροκόμος για γευσιγνωσία                                   | cheese-making
ναυαγοσώστης για πάρτι στην πισίνα                          | first-aid
άλλαξε ο κωδικός του wifi;                                  | -
έχασα ένα μπλε κασκόλ                                       | -
ποιος φέρνει κουλουράκια την Παρασκευή;                     | -
""",
    "hr": """
zna li netko popraviti kožnu torbu? obrada kože             | leatherwork
trebaju nam ruke za berbu maslina                           | olive-oil
tražim keramičarku za timsku radionicu                      | ceramics
treba mi javni bilježnik za ovjeru                          | notary
pomoć oko selidbe u subotu                                  | removals
polaganje pločica u maloj kupaonici                         | tiling
logopedinja za moje dijete?                                 | speech-therapy
@ istraživanje tržišta, ankete                              | market-research surveys
sirar za degustaciju                                        | cheese-making
spasilac za zabavu na bazenu                                | first-aid
je li se promijenila lozinka za wifi?                       | -
izgubio sam plavi šal                                       | -
tko donosi kroasane u petak?                                | -
""",
    "de": """
kann jemand Leder verarbeiten? meine Tasche ist kaputt      | leatherwork
wir brauchen Hilfe bei der Olivenernte                      | olive-oil
suche Keramikerin für einen Team-Workshop                   | ceramics
brauche einen Notartermin für den Hauskauf                  | notary
Hilfe beim Umzug am Samstag                                 | removals
Fliesenleger für ein kleines Bad                            | tiling
eine Logopädin für mein Kind?                               | speech-therapy
@ Marktforschung, Umfragen                                  | market-research surveys
Käserin für eine Verkostung                                 | cheese-making
Rettungsschwimmer für die Poolparty                         | first-aid
hat sich das WLAN-Passwort geändert?                        | -
habe einen blauen Schal verloren                            | -
wer bringt am Freitag Brezeln mit?                          | -
""",
    "sl": """
zna kdo popraviti usnjeno torbo? obdelava usnja             | leatherwork
potrebujemo roke za obiranje oljk                           | olive-oil
iščem keramičarko za delavnico ekipe                        | ceramics
potrebujem notarsko overitev podpisa                        | notary
pomoč pri selitvi v soboto                                  | removals
polaganje ploščic v majhni kopalnici                        | tiling
logopedinja za mojega otroka?                               | speech-therapy
@ raziskava trga, ankete                                    | market-research surveys
sirar za degustacijo                                        | cheese-making
reševalec iz vode za zabavo ob bazenu                       | first-aid
se je geslo za wifi spremenilo?                             | -
izgubil sem moder šal                                       | -
kdo prinese rogljičke v petek?                              | -
""",
}

RECALL_GOAL, PRECISION_GOAL = 0.97, 0.98
TIME_GOAL = 0.001  # seconds per phrase, on average, caches cold
BATCHES = {"first": PHRASES, "later": LATER, "fresh": FRESH}


def cases(lang: str, batches: tuple[str, ...] = tuple(BATCHES)) -> list[tuple[str, set[str]]]:
    rows = []
    for batch in batches:
        for line in BATCHES[batch].get(lang, "").strip().splitlines():
            phrase, _, expected = line.rpartition("|")
            rows.append((phrase.strip(), set() if expected.strip() == "-" else set(expected.split())))
    return rows


def read(phrase: str, vocabulary: Vocabulary) -> set[str]:
    """The skill ids the bot takes from a /need text, or from a /skills list ("@ ...")."""
    if phrase.startswith("@"):
        tags = canonical_tags(phrase[1:], vocabulary)
    else:
        tags = extract_need_tags(phrase, vocabulary)
    return {tag for tag in tags if not tag.startswith(FREE_PREFIX)}


def score(rows: list[tuple[str, set[str]]], vocabulary: Vocabulary) -> tuple[int, int, int, list[str]]:
    """Right, missed and wrong ids over some phrases, and a line per mistake."""
    right = missed = wrong = 0
    mistakes = []
    for phrase, expected in rows:
        found = read(phrase, vocabulary)
        right += len(found & expected)
        missed += len(expected - found)
        wrong += len(found - expected)
        if found != expected:
            mistakes.append(f"  {phrase!r}: expected {sorted(expected)}, got {sorted(found)}")
    return right, missed, wrong, mistakes


def figures(right: int, missed: int, wrong: int) -> str:
    return (f"recall {right / max(1, right + missed):.1%} ({right}/{right + missed}), "
            f"precision {right / max(1, right + wrong):.1%} ({right}/{right + wrong})")


def test_the_held_out_set_is_large_enough_and_names_real_skills() -> None:
    vocabulary = load_vocabulary()
    terms = {matching_key(term.removeprefix("=")) for entry in read_vocabulary_data()["skill"].values()
             for lang in LANGUAGES for term in entry[lang]}
    typed = [phrase for lang in PHRASES for phrase, expected in cases(lang) if expected and phrase[0] != "@"]
    for lang in PHRASES:
        rows = cases(lang)
        assert sum(1 for _, expected in rows if expected) >= 25, lang
        assert sum(1 for _, expected in rows if not expected) >= 10, lang
        assert [i for _, expected in rows for i in expected if i not in vocabulary] == [], lang
    verbatim = [phrase for phrase in typed if matching_key(phrase) in terms]
    print(f"\n{len(verbatim)} of {len(typed)} held-out needs are a vocabulary term as typed (a bare job title)")
    assert len(verbatim) < len(typed) / 4


def test_recall_and_precision_on_the_held_out_set() -> None:
    vocabulary = load_vocabulary()
    totals = [0, 0, 0]
    mistakes: list[str] = []
    for batch in BATCHES:
        batch_totals = [0, 0, 0]
        for lang in LANGUAGES:
            right, missed, wrong, lines = score(cases(lang, (batch,)), vocabulary)
            batch_totals = [batch_totals[0] + right, batch_totals[1] + missed, batch_totals[2] + wrong]
            mistakes += [f"{lang} {batch}{line}" for line in lines]
        totals = [a + b for a, b in zip(totals, batch_totals)]
        print(f"\n{batch}: {figures(*batch_totals)}", end="")
    for lang in LANGUAGES:
        print(f"\n{lang}: {figures(*score(cases(lang), vocabulary)[:3])}", end="")
    right, missed, wrong = totals
    print(f"\nall: {figures(right, missed, wrong)}\n" + "\n".join(mistakes))
    assert right / (right + missed) >= RECALL_GOAL and right / (right + wrong) >= PRECISION_GOAL, "\n".join(mistakes)


@pytest.mark.timeout(60)
def test_matching_takes_under_a_millisecond_per_phrase() -> None:
    """On a fresh vocabulary (no typed word cached yet), then again with warm caches."""
    vocabulary = parse_vocabulary(read_vocabulary_data())
    phrases = [phrase for lang in LANGUAGES for phrase, _ in cases(lang)]
    timings = []
    for _ in range(2):
        start = time.perf_counter()
        for phrase in phrases:
            read(phrase, vocabulary)
        timings.append((time.perf_counter() - start) / len(phrases))
    print(f"\nmatching: {timings[0] * 1e6:.0f} µs per phrase cold, {timings[1] * 1e6:.0f} µs warm "
          f"({len(phrases)} phrases, {len(vocabulary)} skills)")
    assert timings[0] < TIME_GOAL
