"""Everyday WHEN phrases in the eight languages, as people type them, and the score they get.

Written from how people write in chats (lower case, missing accents, abbreviations, extra spaces,
"tmrw", "8h du mat"), not taken from dateparser's word lists. Each phrase has the one right
reading relative to NOW (Wednesday 25 November 2026, 10:00 in Paris):

- ``11-26 18:00`` a one-off start (2026); ``11-26 18:00-20:00`` with its end; then the RRULE of a
  recurrence (its first occurrence comes first);
- ``?11-26 06:00`` a bare hour: the bot must ask, offering this and the same time + 12 h;
- ``!reason`` a refusal, and which part was wrong (``bot.dates`` reasons).

The score test reads every phrase and counts right, refused and *wrong* (a reading that is not
the right one, or a reading where the bot should have refused or asked). Goal: >= 98 % right in
every language and nothing wrong; a refusal is never counted as wrong.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.dates import AMBIGUOUS_HOUR, When, WhenRefusal, read_when

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)  # Wednesday, 10:00

PHRASES: dict[str, str] = {
    "en": """
tmrw 7pm                                       | 11-26 19:00
tomorrow at 7.30pm                             | 11-26 19:30
fri 6:30 pm                                    | 11-27 18:30
next tues 6pm                                  | 12-01 18:00
this friday at 8                               | 11-27 08:00
day after tomorrow 10am                        | 11-27 10:00
tonight at 9                                   | 11-25 21:00
tomorrow noon                                  | 11-26 12:00
tonight at midnight                            | 11-26 00:00
thursday half past six pm                      | 11-26 18:30
sat quarter to 8 in the evening                | 11-28 19:45
tomorrow around 7pm                            | 11-26 19:00
friday from 6 to 8pm                           | 11-27 18:00-20:00
tomorrow  6-8pm                                | 11-26 18:00-20:00
dec 3 at 19:00                                 | 12-03 19:00
3rd december 6pm                               | 12-03 18:00
every other thursday at 7pm                    | 11-26 19:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TH
last friday of the month 5pm                   | 11-27 17:00 FREQ=MONTHLY;BYDAY=-1FR
every first monday 10am                        | 12-07 10:00 FREQ=MONTHLY;BYDAY=1MO
mondays at 10am                                | 11-30 10:00 FREQ=WEEKLY;BYDAY=MO
every tuesday and thursday 9am                 | 11-26 09:00 FREQ=WEEKLY;BYDAY=TU,TH
tomorrow at 6                                  | ?11-26 06:00
friday at 5:30                                 | ?11-27 05:30
tomorrow at 3 15                               | !minutes_or_day
yesterday 6pm                                  | !past
thursday 3 december 7pm                        | 12-03 19:00
friday 3 december 7pm                          | !weekday
tomorrow 7pm EST                               | !zone
tmrw at 7 in the evening                       | 11-26 19:00
next wed 12:30                                 | 12-02 12:30
tomorrow evening                               | !no_time
Sunday 11am                                    | 11-29 11:00
every 2 weeks on monday 6pm                    | 11-30 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=MO
in 3 days at 18:00                             | 11-28 18:00
12/12 at 10 am                                 | 12-12 10:00
tomorrow 8 o'clock                             | 11-26 08:00
today at 4:45 pm                               | 11-25 16:45
tomorrow at seven pm                           | 11-26 19:00
every day at 9                                 | 11-26 09:00 FREQ=DAILY
wed 10am-12pm                                  | 12-02 10:00-12:00
Tmrw @ 7pm                                     | 11-26 19:00
tomorrow 7 pm                                  | 11-26 19:00
thurs @ 18:00                                  | 11-26 18:00
next Friday at 6.30pm                          | 11-27 18:30
Saturday at 11:00 AM                           | 11-28 11:00
tues 6:30PM                                    | 12-01 18:30
tomorrow 7:00pm-9:00pm                         | 11-26 19:00-21:00
Fri 5-7pm                                      | 11-27 17:00-19:00
tomorrow, 6 pm                                 | 11-26 18:00
6pm tmrw                                       | 11-26 18:00
at 7 tonight                                   | 11-25 19:00
tonight 8pm                                    | 11-25 20:00
mon 9.30am                                     | 11-30 09:30
thursday 10 till 12                            | 11-26 10:00-12:00
friday between 6 and 8pm                       | 11-27 18:00-20:00
tomorrow at 10 past 7 pm                       | 11-26 19:10
tomorrow ten to eight pm                       | 11-26 19:50
Thu 7pm                                        | 11-26 19:00
thursday evening 7:30                          | 11-26 19:30
this sat 2pm                                   | 11-28 14:00
next sat at 2                                  | ?11-28 02:00
Monday 30th Nov at 6.30pm                      | 11-30 18:30
30 Nov 18:30                                   | 11-30 18:30
Nov 30 6:30pm                                  | 11-30 18:30
tomorrow lunchtime                             | 11-26 12:00
tomorrow 12:30pm                               | 11-26 12:30
every wed 6pm                                  | 11-25 18:00 FREQ=WEEKLY;BYDAY=WE
every wednesday evening at 7                   | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
first thursday of every month 6pm              | 12-03 18:00 FREQ=MONTHLY;BYDAY=1TH
last sunday of the month at 11am               | 11-29 11:00 FREQ=MONTHLY;BYDAY=-1SU
2nd tuesday of the month 7pm                   | 12-08 19:00 FREQ=MONTHLY;BYDAY=2TU
tomorrow at 6:30 in the morning                | 11-26 06:30
tmr 9am                                        | 11-26 09:00
tomorrow 9:00-17:00                            | 11-26 09:00-17:00
friday 4-6pm                                   | 11-27 16:00-18:00
friday 7:30 pm sharp                           | 11-27 19:30
tues 1/12 at 7pm                               | 12-01 19:00
on monday at 10 o'clock                        | 11-30 10:00
sunday at noon                                 | 11-29 12:00
tomorrow at 10:30am                            | 11-26 10:30
Saturday 5th December 3pm                      | 12-05 15:00
every friday from 5 to 7pm                     | 11-27 17:00-19:00 FREQ=WEEKLY;BYDAY=FR
tomorrow at twenty past seven pm               | 11-26 19:20
tomorrow at five to eight pm                   | 11-26 19:55
tomorrow from ten to eight pm                  | 11-26 10:00-20:00
""",
    "fr": """
demain 18h                                     | 11-26 18:00
demain a 18h30                                 | 11-26 18:30
vendredi soir 20h                              | 11-27 20:00
ce soir à 8h                                   | 11-25 20:00
demain matin 9h                                | 11-26 09:00
lundi prochain 14h                             | 11-30 14:00
mardi prochain a 19h                           | 12-01 19:00
apres demain 10h                               | 11-27 10:00
après-demain midi                              | 11-27 12:00
samedi à midi et demi                          | 11-28 12:30
demain à 7h du soir                            | 11-26 19:00
jeudi 3h de l'après-midi                       | 11-26 15:00
vendredi vers 18h                              | 11-27 18:00
demain à dix-huit heures                       | 11-26 18:00
demain a 6h                                    | ?11-26 06:00
samedi 5 heures et quart                       | ?11-28 05:15
lundi 18h moins le quart                       | 11-30 17:45
demain de 18h à 20h                            | 11-26 18:00-20:00
jeudi 18h-20h                                  | 11-26 18:00-20:00
le 3 décembre à 19h                            | 12-03 19:00
3/12 19h                                       | 12-03 19:00
tous les lundis à 9h                           | 11-30 09:00 FREQ=WEEKLY;BYDAY=MO
le lundi à 18h                                 | 11-30 18:00 FREQ=WEEKLY;BYDAY=MO
un mardi sur deux à 18h                        | 12-01 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TU
le premier lundi du mois à 18h                 | 12-07 18:00 FREQ=MONTHLY;BYDAY=1MO
le dernier vendredi du mois 17h                | 11-27 17:00 FREQ=MONTHLY;BYDAY=-1FR
chaque mercredi 12h                            | 11-25 12:00 FREQ=WEEKLY;BYDAY=WE
jeudi 15 à 8h                                  | !weekday
vendredi 4 décembre 18h                        | 12-04 18:00
mercredi 2 decembre a 20h                      | 12-02 20:00
à 18 30 demain                                 | !minutes_or_day
hier à 18h                                     | !past
demain                                         | !no_time
ce midi                                        | 11-25 12:00
demain 18 heures 30                            | 11-26 18:30
samedi à 10h pile                              | 11-28 10:00
à minuit                                       | 11-26 00:00
dimanche 11h du matin                          | 11-29 11:00
mardi 8 décembre à 18h30                       | 12-08 18:30
toutes les deux semaines le jeudi à 18h        | 11-26 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TH
Demain à 18H                                   | 11-26 18:00
vendredi à 18 h 30                             | 11-27 18:30
samedi 14h00                                   | 11-28 14:00
jeudi prochain 19h                             | 11-26 19:00
le 12/12 à 19h                                 | 12-12 19:00
lundi 30/11 à 9h                               | 11-30 09:00
demain vers 14h30                              | 11-26 14:30
mercredi prochain à 12h30                      | 12-02 12:30
ce soir 21h                                    | 11-25 21:00
demain après-midi 15h                          | 11-26 15:00
demain aprem 15h                               | 11-26 15:00
jeudi 9h-12h                                   | 11-26 09:00-12:00
tous les mardis 18h30                          | 12-01 18:30 FREQ=WEEKLY;BYDAY=TU
chaque 1er lundi du mois 18h                   | 12-07 18:00 FREQ=MONTHLY;BYDAY=1MO
vendredi a 19h                                 | 11-27 19:00
demain 8h du mat                               | 11-26 08:00
le samedi 28 novembre à 10h                    | 11-28 10:00
aujourd'hui 17h                                | 11-25 17:00
jeudi 19h                                      | 11-26 19:00
jeudi soir 19h30                               | 11-26 19:30
ce samedi à 14h                                | 11-28 14:00
samedi prochain à 14 h                         | 11-28 14:00
lundi 30 novembre à 18h30                      | 11-30 18:30
30 nov 18h30                                   | 11-30 18:30
demain 12h30                                   | 11-26 12:30
tous les mercredis 18h                         | 11-25 18:00 FREQ=WEEKLY;BYDAY=WE
tous les mercredis soir à 19h                  | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
chaque semaine le vendredi à 17h               | 11-27 17:00 FREQ=WEEKLY;BYDAY=FR
un jeudi sur deux 19h                          | 11-26 19:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TH
le 1er jeudi de chaque mois à 18h              | 12-03 18:00 FREQ=MONTHLY;BYDAY=1TH
le dernier dimanche du mois à 11h              | 11-29 11:00 FREQ=MONTHLY;BYDAY=-1SU
le 2e mardi du mois à 19h                      | 12-08 19:00 FREQ=MONTHLY;BYDAY=2TU
demain 6h30 du matin                           | 11-26 06:30
demain 9h-17h                                  | 11-26 09:00-17:00
vendredi 16h-18h                               | 11-27 16:00-18:00
vendredi 19h30 précises                        | 11-27 19:30
lundi à 10 heures                              | 11-30 10:00
lundi à 10h00                                  | 11-30 10:00
à 20h ce soir                                  | 11-25 20:00
samedi 5 décembre 15h                          | 12-05 15:00
dimanche midi                                  | 11-29 12:00
demain 10h30                                   | 11-26 10:30
tous les vendredis de 17h à 19h                | 11-27 17:00-19:00 FREQ=WEEKLY;BYDAY=FR
demain à sept heures moins dix du soir         | 11-26 18:50
demain à dix-neuf heures moins vingt           | 11-26 18:40
demain à vingt heures                          | 11-26 20:00
demain à sept heures et quart du soir          | 11-26 19:15
""",
    "it": """
domani alle 18:30                              | 11-26 18:30
domani ore 21                                  | 11-26 21:00
venerdi sera alle 9                            | 11-27 21:00
stasera alle 8                                 | 11-25 20:00
sabato mattina alle 10                         | 11-28 10:00
il prossimo martedì alle 18                    | 12-01 18:00
martedi prossimo alle 19                       | 12-01 19:00
dopodomani alle 17                             | 11-27 17:00
dopo domani a mezzogiorno                      | 11-27 12:00
giovedì alle 6 di sera                         | 11-26 18:00
domani alle 3 del pomeriggio                   | 11-26 15:00
domani verso le 15                             | 11-26 15:00
venerdì alle sette e mezza di sera             | 11-27 19:30
domani alle 6                                  | ?11-26 06:00
sabato alle 5 e un quarto                      | ?11-28 05:15
lunedi alle 18 meno un quarto                  | 11-30 17:45
domani dalle 18 alle 20                        | 11-26 18:00-20:00
giovedì dalle 18 alle 20:30                    | 11-26 18:00-20:30
il 3 dicembre alle 19                          | 12-03 19:00
3/12 ore 19                                    | 12-03 19:00
ogni lunedì alle 9                             | 11-30 09:00 FREQ=WEEKLY;BYDAY=MO
il lunedì alle 18                              | 11-30 18:00 FREQ=WEEKLY;BYDAY=MO
tutti i venerdì alle 18                        | 11-27 18:00 FREQ=WEEKLY;BYDAY=FR
un martedì sì e uno no alle 18                 | 12-01 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TU
ogni due settimane il giovedì alle 18          | 11-26 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TH
il primo lunedì del mese alle 18               | 12-07 18:00 FREQ=MONTHLY;BYDAY=1MO
l'ultimo venerdì del mese alle 17              | 11-27 17:00 FREQ=MONTHLY;BYDAY=-1FR
giovedì 15 alle 8                              | !weekday
venerdì 4 dicembre alle 18                     | 12-04 18:00
ieri alle 18                                   | !past
domani sera                                    | !no_time
oggi a mezzogiorno e mezzo                     | 11-25 12:30
domani alle 3 20                               | !minutes_or_day
sabato alle 10 in punto                        | 11-28 10:00
a mezzanotte                                   | 11-26 00:00
domenica alle 11 di mattina                    | 11-29 11:00
martedì 8 dicembre alle 18.30                  | 12-08 18:30
domani alle diciotto                           | 11-26 18:00
mercoledì prossimo all'una                     | ?12-02 01:00
venerdi alle 21 circa                          | 11-27 21:00
domani alle 18 e 30                            | 11-26 18:30
Domani h 18                                    | 11-26 18:00
venerdì ore 18:30                              | 11-27 18:30
sabato pomeriggio alle 4                       | 11-28 16:00
lunedì 30 novembre ore 9                       | 11-30 09:00
giovedì prossimo alle 19                       | 11-26 19:00
dom alle 11                                    | 11-29 11:00
domani pomeriggio alle 15:30                   | 11-26 15:30
martedi 1 dicembre alle 21                     | 12-01 21:00
oggi alle 17                                   | 11-25 17:00
ogni mercoledì alle 19                         | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
giovedì ore 19                                 | 11-26 19:00
giovedì sera alle 19:30                        | 11-26 19:30
questo sabato alle 14                          | 11-28 14:00
sabato prossimo alle 14                        | 11-28 14:00
lunedì 30 novembre alle 18:30                  | 11-30 18:30
30 nov ore 18.30                               | 11-30 18:30
domani alle 12:30                              | 11-26 12:30
tutti i mercoledì alle 18                      | 11-25 18:00 FREQ=WEEKLY;BYDAY=WE
ogni mercoledì sera alle 19                    | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
ogni settimana il venerdì alle 17              | 11-27 17:00 FREQ=WEEKLY;BYDAY=FR
un giovedì sì e uno no alle 19                 | 11-26 19:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TH
il primo giovedì di ogni mese alle 18          | 12-03 18:00 FREQ=MONTHLY;BYDAY=1TH
l'ultima domenica del mese alle 11             | 11-29 11:00 FREQ=MONTHLY;BYDAY=-1SU
il secondo martedì del mese alle 19            | 12-08 19:00 FREQ=MONTHLY;BYDAY=2TU
domani alle 6:30 di mattina                    | 11-26 06:30
domani dalle 9 alle 17                         | 11-26 09:00-17:00
venerdì dalle 16 alle 18                       | 11-27 16:00-18:00
venerdì alle 19:30 precise                     | 11-27 19:30
lunedì alle ore 10                             | 11-30 10:00
stasera alle 20                                | 11-25 20:00
sabato 5 dicembre alle 15                      | 12-05 15:00
domenica a mezzogiorno                         | 11-29 12:00
domani alle 10 e mezza                         | 11-26 10:30
tutti i venerdì dalle 17 alle 19               | 11-27 17:00-19:00 FREQ=WEEKLY;BYDAY=FR
giovedì alle 7 di sera                         | 11-26 19:00
domani alle sette meno dieci di sera           | 11-26 18:50
domani alle venti                              | 11-26 20:00
domani alle sette e un quarto di sera          | 11-26 19:15
""",
    "es": """
mañana a las 18:30                             | 11-26 18:30
manana a las 7 de la tarde                     | 11-26 19:00
el viernes por la noche a las 9                | 11-27 21:00
esta noche a las 10                            | 11-25 22:00
mañana por la mañana a las 10                  | 11-26 10:00
el martes que viene a las 18                   | 12-01 18:00
el próximo lunes a las 9                       | 11-30 09:00
pasado mañana a las 17h                        | 11-27 17:00
pasado manana al mediodia                      | 11-27 12:00
el jueves a las 6 de la tarde                  | 11-26 18:00
mañana a las tres y media de la tarde          | 11-26 15:30
mañana sobre las 6 de la tarde                 | 11-26 18:00
el viernes hacia las 20h                       | 11-27 20:00
mañana a las 6                                 | ?11-26 06:00
el sábado a las 5 y cuarto                     | ?11-28 05:15
el lunes a las 7 menos cuarto de la tarde      | 11-30 18:45
mañana de 18 a 20h                             | 11-26 18:00-20:00
el jueves de las 6 a las 8 de la tarde         | 11-26 18:00-20:00
el 3 de diciembre a las 19:00                  | 12-03 19:00
3/12 a las 19                                  | 12-03 19:00
los lunes a las 10                             | 11-30 10:00 FREQ=WEEKLY;BYDAY=MO
todos los viernes a las 18                     | 11-27 18:00 FREQ=WEEKLY;BYDAY=FR
cada dos martes a las 18                       | 12-01 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TU
el primer lunes de cada mes a las 18           | 12-07 18:00 FREQ=MONTHLY;BYDAY=1MO
el último viernes del mes a las 17             | 11-27 17:00 FREQ=MONTHLY;BYDAY=-1FR
jueves 15 a las 8                              | !weekday
viernes 4 de diciembre a las 18                | 12-04 18:00
ayer a las 18                                  | !past
mañana por la tarde                            | !no_time
hoy a las 15 horas                             | 11-25 15:00
a medianoche                                   | 11-26 00:00
el domingo a las 11 de la mañana               | 11-29 11:00
mañana a las 3 20                              | !minutes_or_day
el sabado a las 10 en punto                    | 11-28 10:00
el martes 8 de diciembre a las 18:30           | 12-08 18:30
mañana a la una y media de la tarde            | 11-26 13:30
los sábados a las 11                           | 11-28 11:00 FREQ=WEEKLY;BYDAY=SA
mañana a eso de las 7 de la tarde              | 11-26 19:00
el miércoles a las 20 hs                       | 12-02 20:00
mañana entre las 6 y las 8 de la tarde         | 11-26 18:00-20:00
mañana 18h                                     | 11-26 18:00
manana a las 6 de la tarde                     | 11-26 18:00
el viernes a las 7 pm                          | 11-27 19:00
sabado por la tarde a las 5                    | 11-28 17:00
el lunes 30 de noviembre a las 9               | 11-30 09:00
el jueves que viene a las 19                   | 11-26 19:00
hoy a las 17:00                                | 11-25 17:00
mañana a las 20:30 hs                          | 11-26 20:30
martes 1 de diciembre a las 21                 | 12-01 21:00
todos los miercoles a las 19                   | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
mañana a las 12 del mediodía                   | 11-26 12:00
jueves 19h                                     | 11-26 19:00
el jueves por la tarde a las 7                 | 11-26 19:00
este sábado a las 14                           | 11-28 14:00
el sábado que viene a las 2 de la tarde        | 11-28 14:00
lunes 30 de noviembre a las 18:30              | 11-30 18:30
30 nov 18:30                                   | 11-30 18:30
mañana 12:30                                   | 11-26 12:30
todos los miércoles a las 18                   | 11-25 18:00 FREQ=WEEKLY;BYDAY=WE
cada miércoles por la tarde a las 7            | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
cada semana el viernes a las 17                | 11-27 17:00 FREQ=WEEKLY;BYDAY=FR
un jueves sí y otro no a las 19                | 11-26 19:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TH
el primer jueves de cada mes a las 18          | 12-03 18:00 FREQ=MONTHLY;BYDAY=1TH
el último domingo del mes a las 11             | 11-29 11:00 FREQ=MONTHLY;BYDAY=-1SU
el segundo martes del mes a las 19             | 12-08 19:00 FREQ=MONTHLY;BYDAY=2TU
mañana a las 6:30 de la mañana                 | 11-26 06:30
mañana de 9 a 17h                              | 11-26 09:00-17:00
el viernes de 16 a 18h                         | 11-27 16:00-18:00
el viernes a las 19:30 en punto                | 11-27 19:30
el lunes a las 10 horas                        | 11-30 10:00
esta noche a las 21                            | 11-25 21:00
sábado 5 de diciembre a las 15                 | 12-05 15:00
el domingo al mediodía                         | 11-29 12:00
mañana a las 10 y media                        | 11-26 10:30
los viernes de 17 a 19h                        | 11-27 17:00-19:00 FREQ=WEEKLY;BYDAY=FR
mañana a las nueve de la noche                 | 11-26 21:00
mañana a las ocho menos diez de la noche       | 11-26 19:50
mañana a las veinte horas                      | 11-26 20:00
mañana a las siete y cuarto de la tarde        | 11-26 19:15
""",
    "el": """
αύριο 18:00                                    | 11-26 18:00
αυριο στις 7 μμ                                | 11-26 19:00
αύριο στις 7 μ.μ.                              | 11-26 19:00
την Παρασκευή το βράδυ στις 9                  | 11-27 21:00
απόψε στις 9                                   | 11-25 21:00
αύριο το πρωί στις 10                          | 11-26 10:00
την επόμενη Δευτέρα στις 9:00                  | 11-30 09:00
την ερχόμενη Τρίτη στις 7 το απόγευμα          | 12-01 19:00
μεθαύριο στις 5 το απόγευμα                    | 11-27 17:00
αύριο το μεσημέρι                              | 11-26 12:00
την Πέμπτη στις 2 το μεσημέρι                  | 11-26 14:00
αύριο στις εξίμισι το απόγευμα                 | 11-26 18:30
αύριο γύρω στις 8 το βράδυ                     | 11-26 20:00
αύριο στις 6                                   | ?11-26 06:00
το Σάββατο στις 5 και τέταρτο                  | ?11-28 05:15
τη Δευτέρα στις 8 παρά τέταρτο το βράδυ        | 11-30 19:45
αύριο 18:00-20:00                              | 11-26 18:00-20:00
την Πέμπτη από τις 6 έως τις 8 μμ              | 11-26 18:00-20:00
3 Δεκεμβρίου στις 19:00                        | 12-03 19:00
3/12 στις 19:00                                | 12-03 19:00
κάθε Δευτέρα στις 10                           | 11-30 10:00 FREQ=WEEKLY;BYDAY=MO
τις Δευτέρες στις 10                           | 11-30 10:00 FREQ=WEEKLY;BYDAY=MO
κάθε δεύτερη Τρίτη στις 18:00                  | 12-01 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TU
την πρώτη Δευτέρα του μήνα στις 18:00          | 12-07 18:00 FREQ=MONTHLY;BYDAY=1MO
την τελευταία Παρασκευή του μήνα στις 17:00    | 11-27 17:00 FREQ=MONTHLY;BYDAY=-1FR
Πέμπτη 15 στις 8                               | !weekday
Παρασκευή 4 Δεκεμβρίου στις 18:00              | 12-04 18:00
χθες στις 18:00                                | !past
αύριο το απόγευμα                              | !no_time
σήμερα στις 3 μμ                               | 11-25 15:00
τα μεσάνυχτα                                   | 11-26 00:00
την Κυριακή στις 11 το πρωί                    | 11-29 11:00
αύριο στις 3 20                                | !minutes_or_day
το Σάββατο στις 10 ακριβώς                     | 11-28 10:00
Τρίτη 8 Δεκεμβρίου στις 18:30                  | 12-08 18:30
αυριο στις 5μμ                                 | 11-26 17:00
κάθε Παρασκευή στις 8 το βράδυ                 | 11-27 20:00 FREQ=WEEKLY;BYDAY=FR
την τρίτη Τετάρτη του μήνα στις 18:00          | 12-16 18:00 FREQ=MONTHLY;BYDAY=3WE
Τετάρτη στις 8 το βράδυ                        | 12-02 20:00
στις 8 και μισή το πρωί αύριο                  | 11-26 08:30
αυριο 7μμ                                      | 11-26 19:00
Παρασκευή 18:30                                | 11-27 18:30
το Σάββατο το απόγευμα στις 4                  | 11-28 16:00
Δευτέρα 30 Νοεμβρίου στις 9                    | 11-30 09:00
την Πέμπτη στις 19:00                          | 11-26 19:00
σήμερα στις 17:00                              | 11-25 17:00
αύριο στις 8:30 μ.μ.                           | 11-26 20:30
Τρίτη 1 Δεκεμβρίου στις 21:00                  | 12-01 21:00
κάθε Τετάρτη στις 19:00                        | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
αύριο στις δώδεκα το μεσημέρι                  | 11-26 12:00
Πέμπτη 19:00                                   | 11-26 19:00
την Πέμπτη το απόγευμα στις 7                  | 11-26 19:00
αυτό το Σάββατο στις 2 μμ                      | 11-28 14:00
το επόμενο Σάββατο στις 14:00                  | 11-28 14:00
Δευτέρα 30 Νοεμβρίου στις 18:30                | 11-30 18:30
αύριο 12:30                                    | 11-26 12:30
κάθε Τετάρτη στις 6 μμ                         | 11-25 18:00 FREQ=WEEKLY;BYDAY=WE
κάθε Τετάρτη βράδυ στις 7                      | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
κάθε εβδομάδα την Παρασκευή στις 17:00         | 11-27 17:00 FREQ=WEEKLY;BYDAY=FR
την πρώτη Πέμπτη κάθε μήνα στις 18:00          | 12-03 18:00 FREQ=MONTHLY;BYDAY=1TH
την τελευταία Κυριακή του μήνα στις 11 πμ      | 11-29 11:00 FREQ=MONTHLY;BYDAY=-1SU
τη δεύτερη Τρίτη του μήνα στις 19:00           | 12-08 19:00 FREQ=MONTHLY;BYDAY=2TU
αύριο στις 6:30 το πρωί                        | 11-26 06:30
αύριο 9:00-17:00                               | 11-26 09:00-17:00
Παρασκευή 16:00-18:00                          | 11-27 16:00-18:00
Τρίτη 1/12 στις 19:00                          | 12-01 19:00
τη Δευτέρα στις 10 το πρωί                     | 11-30 10:00
απόψε στις 21:00                               | 11-25 21:00
αύριο στις 7 και μισή μ.μ.                     | 11-26 19:30
μεθαύριο το πρωί στις 9                        | 11-27 09:00
την Κυριακή το μεσημέρι                        | 11-29 12:00
Σάββατο 5 Δεκεμβρίου στις 15:00                | 12-05 15:00
αύριο στις 10 και μισή                         | 11-26 10:30
κάθε Παρασκευή από τις 5 έως τις 7 μμ          | 11-27 17:00-19:00 FREQ=WEEKLY;BYDAY=FR
αύριο στις εννιά το βράδυ                      | 11-26 21:00
αύριο στις οχτώ παρά δέκα το βράδυ             | 11-26 19:50
αύριο στις δώδεκα                              | 11-26 12:00
αύριο στις επτά και τέταρτο το απόγευμα        | 11-26 19:15
""",
    "hr": """
sutra u 18h                                    | 11-26 18:00
sutra u 18:30                                  | 11-26 18:30
u petak navečer u 9                            | 11-27 21:00
večeras u 8                                    | 11-25 20:00
sutra ujutro u 10                              | 11-26 10:00
sljedeći ponedjeljak u 9                       | 11-30 09:00
iduću srijedu u 18 sati                        | 12-02 18:00
prekosutra u 17h                               | 11-27 17:00
prekosutra u podne                             | 11-27 12:00
u četvrtak u 6 popodne                         | 11-26 18:00
sutra u 3 poslijepodne                         | 11-26 15:00
sutra oko 15h                                  | 11-26 15:00
sutra u pola 8 navečer                         | 11-26 19:30
sutra u 6                                      | ?11-26 06:00
u subotu u 5 i 15                              | ?11-28 05:15
u ponedjeljak u četvrt do 8 navečer            | 11-30 19:45
sutra od 18 do 20 sati                         | 11-26 18:00-20:00
u četvrtak 18-20h                              | 11-26 18:00-20:00
3. prosinca u 19 sati                          | 12-03 19:00
3.12. u 19h                                    | 12-03 19:00
ponedjeljkom u 10                              | 11-30 10:00 FREQ=WEEKLY;BYDAY=MO
svaki petak u 18h                              | 11-27 18:00 FREQ=WEEKLY;BYDAY=FR
svaki drugi utorak u 18h                       | 12-01 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TU
prvi ponedjeljak u mjesecu u 18h               | 12-07 18:00 FREQ=MONTHLY;BYDAY=1MO
zadnji petak u mjesecu u 17h                   | 11-27 17:00 FREQ=MONTHLY;BYDAY=-1FR
četvrtak 15.12. u 8h                           | !weekday
petak 4.12. u 18h                              | 12-04 18:00
jučer u 18h                                    | !past
sutra popodne                                  | !no_time
danas u 15 sati                                | 11-25 15:00
u ponoć                                        | 11-26 00:00
u nedjelju u 11 ujutro                         | 11-29 11:00
sutra u 3 20                                   | !minutes_or_day
u subotu točno u 10                            | 11-28 10:00
utorak 8.12. u 18:30                           | 12-08 18:30
sutra u šest navečer                           | 11-26 18:00
srijedom u 19h                                 | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
svake srijede u 18                             | 11-25 18:00 FREQ=WEEKLY;BYDAY=WE
sutra u pola 7 ujutro                          | 11-26 06:30
sutra u 8 sati                                 | 11-26 08:00
sutra u 18 h                                   | 11-26 18:00
petak u 18:30                                  | 11-27 18:30
u subotu popodne u 4                           | 11-28 16:00
ponedjeljak 30.11. u 9                         | 11-30 09:00
sljedeći četvrtak u 19 h                       | 11-26 19:00
danas u 17h                                    | 11-25 17:00
sutra u 20:30                                  | 11-26 20:30
utorak 1.12. u 21 sat                          | 12-01 21:00
svaku srijedu u 19                             | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
sutra u 12 sati                                | 11-26 12:00
četvrtak 19h                                   | 11-26 19:00
u četvrtak navečer u 19:30                     | 11-26 19:30
ove subote u 14h                               | 11-28 14:00
iduće subote u 14 sati                         | 11-28 14:00
ponedjeljak 30.11. u 18:30                     | 11-30 18:30
sutra u 12:30                                  | 11-26 12:30
srijedom u 18h                                 | 11-25 18:00 FREQ=WEEKLY;BYDAY=WE
svake srijede navečer u 7                      | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
svaki tjedan u petak u 17h                     | 11-27 17:00 FREQ=WEEKLY;BYDAY=FR
prvi četvrtak u mjesecu u 18h                  | 12-03 18:00 FREQ=MONTHLY;BYDAY=1TH
zadnja nedjelja u mjesecu u 11h                | 11-29 11:00 FREQ=MONTHLY;BYDAY=-1SU
drugi utorak u mjesecu u 19h                   | 12-08 19:00 FREQ=MONTHLY;BYDAY=2TU
sutra u 6:30 ujutro                            | 11-26 06:30
sutra od 9 do 17h                              | 11-26 09:00-17:00
petak od 16 do 18 sati                         | 11-27 16:00-18:00
utorak 1.12. u 19h                             | 12-01 19:00
u ponedjeljak u 10 sati                        | 11-30 10:00
večeras u 21h                                  | 11-25 21:00
prekosutra ujutro u 9                          | 11-27 09:00
u nedjelju u podne                             | 11-29 12:00
subota 5.12. u 15h                             | 12-05 15:00
sutra u 10 i pol                               | 11-26 10:30
petkom od 17 do 19h                            | 11-27 17:00-19:00 FREQ=WEEKLY;BYDAY=FR
sutra u devet navečer                          | 11-26 21:00
sutra u 18.30                                  | 11-26 18:30
sutra u deset do osam navečer                  | 11-26 19:50
sutra od deset do osam navečer                 | 11-26 10:00-20:00
sutra u dvadeset sati                          | 11-26 20:00
sutra u sedam i četvrt navečer                 | 11-26 19:15
""",
    "de": """
morgen 18 Uhr                                  | 11-26 18:00
morgen um 18:30                                | 11-26 18:30
freitag abend um 9                             | 11-27 21:00
heute abend um 8                               | 11-25 20:00
morgen früh um 10                              | 11-26 10:00
am nächsten Dienstag um 18 Uhr                 | 12-01 18:00
nächsten montag 9 uhr                          | 11-30 09:00
übermorgen um 17 Uhr                           | 11-27 17:00
uebermorgen mittags                            | 11-27 12:00
donnerstag um 6 uhr abends                     | 11-26 18:00
morgen um 3 Uhr nachmittags                    | 11-26 15:00
morgen gegen 15 Uhr                            | 11-26 15:00
freitag um halb acht abends                    | 11-27 19:30
morgen um 6                                    | ?11-26 06:00
samstag um viertel nach 5                      | ?11-28 05:15
montag um viertel vor 8 abends                 | 11-30 19:45
morgen von 18 bis 20 Uhr                       | 11-26 18:00-20:00
donnerstag 18-20 Uhr                           | 11-26 18:00-20:00
am 3. Dezember um 19 Uhr                       | 12-03 19:00
3.12. 19 Uhr                                   | 12-03 19:00
montags um 10 Uhr                              | 11-30 10:00 FREQ=WEEKLY;BYDAY=MO
jeden Freitag um 18 Uhr                        | 11-27 18:00 FREQ=WEEKLY;BYDAY=FR
jeden zweiten Dienstag um 18 Uhr               | 12-01 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TU
am ersten Montag im Monat um 18 Uhr            | 12-07 18:00 FREQ=MONTHLY;BYDAY=1MO
am letzten Freitag des Monats um 17 Uhr        | 11-27 17:00 FREQ=MONTHLY;BYDAY=-1FR
Donnerstag, 15.12. um 8 Uhr                    | !weekday
Freitag, 4.12. um 18 Uhr                       | 12-04 18:00
gestern um 18 Uhr                              | !past
morgen nachmittag                              | !no_time
heute um 15 Uhr                                | 11-25 15:00
um Mitternacht                                 | 11-26 00:00
Sonntag um 11 Uhr vormittags                   | 11-29 11:00
morgen um 3 20                                 | !minutes_or_day
Samstag pünktlich um 10                        | 11-28 10:00
Dienstag, 8.12. um 18.30 Uhr                   | 12-08 18:30
morgen so um 19 Uhr                            | 11-26 19:00
alle zwei Wochen donnerstags um 18 Uhr         | 11-26 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TH
mittwochs 19 Uhr                               | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
morgen um acht                                 | 11-26 08:00
So 18 Uhr                                      | !date
morgen 18h                                     | 11-26 18:00
Fr 18:30                                       | 11-27 18:30
Freitag 18:30                                  | 11-27 18:30
Samstag nachmittag um 4                        | 11-28 16:00
Montag, 30.11., 9 Uhr                          | 11-30 09:00
kommenden Donnerstag 19 Uhr                    | 11-26 19:00
heute 17 Uhr                                   | 11-25 17:00
morgen 20:30 Uhr                               | 11-26 20:30
Di 1.12. 21 Uhr                                | 12-01 21:00
jeden Mittwoch 19 Uhr                          | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
morgen um 12 Uhr mittags                       | 11-26 12:00
Donnerstag abend 19:30                         | 11-26 19:30
Sa 14 Uhr                                      | 11-28 14:00
diesen Samstag um 14 Uhr                       | 11-28 14:00
nächsten Samstag um 14 Uhr                     | 11-28 14:00
Montag, 30. November um 18:30                  | 11-30 18:30
30. Nov. 18:30                                 | 11-30 18:30
morgen 12:30                                   | 11-26 12:30
mittwochs um 18 Uhr                            | 11-25 18:00 FREQ=WEEKLY;BYDAY=WE
jede Woche freitags um 17 Uhr                  | 11-27 17:00 FREQ=WEEKLY;BYDAY=FR
jeden ersten Donnerstag im Monat um 18 Uhr     | 12-03 18:00 FREQ=MONTHLY;BYDAY=1TH
am letzten Sonntag im Monat um 11 Uhr          | 11-29 11:00 FREQ=MONTHLY;BYDAY=-1SU
jeden zweiten Dienstag im Monat um 19 Uhr      | 12-08 19:00 FREQ=MONTHLY;BYDAY=2TU
morgen um 6:30 Uhr früh                        | 11-26 06:30
morgen 9-17 Uhr                                | 11-26 09:00-17:00
Freitag 16-18 Uhr                              | 11-27 16:00-18:00
Di., 1.12. um 19 Uhr                           | 12-01 19:00
am Montag um 10 Uhr                            | 11-30 10:00
heute Abend 21 Uhr                             | 11-25 21:00
übermorgen früh um 9                           | 11-27 09:00
Sonntag mittag                                 | 11-29 12:00
Samstag, 5. Dezember, 15 Uhr                   | 12-05 15:00
morgen um halb 11                              | 11-26 10:30
freitags von 17 bis 19 Uhr                     | 11-27 17:00-19:00 FREQ=WEEKLY;BYDAY=FR
morgen um neun Uhr abends                      | 11-26 21:00
morgen um viertel acht                         | 11-26 07:15
morgen um zehn nach sieben abends              | 11-26 19:10
morgen um zehn vor acht abends                 | 11-26 19:50
morgen um zwanzig Uhr                          | 11-26 20:00
morgen um dreiviertel acht abends              | 11-26 19:45
Freitagabend um 8                              | 11-27 20:00
Montag morgen um 9                             | 11-30 09:00
""",
    "sl": """
jutri ob 18h                                   | 11-26 18:00
jutri ob 18.30                                 | 11-26 18:30
v petek zvečer ob 9                            | 11-27 21:00
nocoj ob 8                                     | 11-25 20:00
jutri zjutraj ob 10                            | 11-26 10:00
naslednjo sredo ob 18.30                       | 12-02 18:30
naslednji ponedeljek ob 9                      | 11-30 09:00
pojutrišnjem ob 17h                            | 11-27 17:00
pojutrišnjem opoldne                           | 11-27 12:00
v četrtek ob 6 popoldne                        | 11-26 18:00
jutri ob 3 popoldne                            | 11-26 15:00
jutri okoli 15h                                | 11-26 15:00
jutri ob pol osmih zvečer                      | 11-26 19:30
jutri ob 6                                     | ?11-26 06:00
v soboto ob četrt čez 5                        | ?11-28 05:15
v ponedeljek ob tri četrt na 8 zvečer          | 11-30 19:45
jutri od 18. do 20. ure                        | 11-26 18:00-20:00
v četrtek 18-20h                               | 11-26 18:00-20:00
3. decembra ob 19h                             | 12-03 19:00
3.12. ob 19h                                   | 12-03 19:00
ob ponedeljkih ob 10                           | 11-30 10:00 FREQ=WEEKLY;BYDAY=MO
vsak petek ob 18h                              | 11-27 18:00 FREQ=WEEKLY;BYDAY=FR
vsak drugi torek ob 18h                        | 12-01 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=TU
prvi ponedeljek v mesecu ob 18h                | 12-07 18:00 FREQ=MONTHLY;BYDAY=1MO
zadnji petek v mesecu ob 17h                   | 11-27 17:00 FREQ=MONTHLY;BYDAY=-1FR
četrtek 15.12. ob 8h                           | !weekday
petek 4.12. ob 18h                             | 12-04 18:00
včeraj ob 18h                                  | !past
jutri popoldne                                 | !no_time
danes ob 15. uri                               | 11-25 15:00
opolnoči                                       | 11-26 00:00
v nedeljo ob 11 dopoldne                       | 11-29 11:00
jutri ob 3 20                                  | !minutes_or_day
v soboto točno ob 10                           | 11-28 10:00
torek 8.12. ob 18.30                           | 12-08 18:30
jutri ob šestih zvečer                         | 11-26 18:00
ob sredah ob 19h                               | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
vsako drugo sredo ob 18h                       | 11-25 18:00 FREQ=WEEKLY;INTERVAL=2;BYDAY=WE
jutri ob osmih                                 | 11-26 08:00
jutri ob 7 zjutraj                             | 11-26 07:00
jutri ob 18 h                                  | 11-26 18:00
petek ob 18:30                                 | 11-27 18:30
v soboto popoldne ob 4                         | 11-28 16:00
ponedeljek 30.11. ob 9                         | 11-30 09:00
naslednji četrtek ob 19h                       | 11-26 19:00
danes ob 17h                                   | 11-25 17:00
jutri ob 20:30                                 | 11-26 20:30
torek 1.12. ob 21. uri                         | 12-01 21:00
vsako sredo ob 19                              | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
jutri opoldne                                  | 11-26 12:00
četrtek ob 19h                                 | 11-26 19:00
v četrtek zvečer ob 19:30                      | 11-26 19:30
to soboto ob 14h                               | 11-28 14:00
naslednjo soboto ob 14. uri                    | 11-28 14:00
ponedeljek 30.11. ob 18:30                     | 11-30 18:30
30.11. ob 18.30                                | 11-30 18:30
jutri ob 12:30                                 | 11-26 12:30
ob sredah ob 18h                               | 11-25 18:00 FREQ=WEEKLY;BYDAY=WE
vsako sredo zvečer ob 7                        | 11-25 19:00 FREQ=WEEKLY;BYDAY=WE
vsak teden v petek ob 17h                      | 11-27 17:00 FREQ=WEEKLY;BYDAY=FR
prvi četrtek v mesecu ob 18h                   | 12-03 18:00 FREQ=MONTHLY;BYDAY=1TH
zadnjo nedeljo v mesecu ob 11h                 | 11-29 11:00 FREQ=MONTHLY;BYDAY=-1SU
drugi torek v mesecu ob 19h                    | 12-08 19:00 FREQ=MONTHLY;BYDAY=2TU
jutri ob 6:30 zjutraj                          | 11-26 06:30
jutri od 9. do 17. ure                         | 11-26 09:00-17:00
petek od 16h do 18h                            | 11-27 16:00-18:00
torek 1.12. ob 19h                             | 12-01 19:00
v ponedeljek ob 10. uri                        | 11-30 10:00
nocoj ob 21h                                   | 11-25 21:00
pojutrišnjem zjutraj ob 9                      | 11-27 09:00
v nedeljo opoldne                              | 11-29 12:00
sobota 5.12. ob 15h                            | 12-05 15:00
jutri ob pol enajstih                          | 11-26 10:30
ob petkih od 17h do 19h                        | 11-27 17:00-19:00 FREQ=WEEKLY;BYDAY=FR
jutri ob devetih zvečer                        | 11-26 21:00
jutri ob deset do osmih zvečer                 | 11-26 19:50
jutri ob deset čez sedem zvečer                | 11-26 19:10
jutri ob dvajsetih                             | 11-26 20:00
jutri ob četrt na osem zvečer                  | 11-26 19:15
""",
}
CASES = [(lang, *(part.strip() for part in line.rsplit("|", 1)))
         for lang, block in PHRASES.items() for line in block.strip().splitlines()]


def expected_reading(expected: str) -> When | WhenRefusal:
    """The right answer written in a table cell, as `read_when` would return it."""
    if expected.startswith("!"):
        return WhenRefusal(expected[1:])
    ask = expected.startswith("?")
    moment, _, rrule = expected.lstrip("?").partition(" ")[2].partition(" ")
    day = expected.lstrip("?").split(" ")[0]
    start_text, _, end_text = moment.partition("-")
    year = 2026 if day.count("-") == 1 else int(day.split("-")[0])
    month, dom = (int(x) for x in day.split("-")[-2:])
    start = datetime(year, month, dom, *map(int, start_text.split(":")), tzinfo=PARIS)
    end = None
    if end_text:
        end = start.replace(hour=int(end_text[:2]), minute=int(end_text[3:]))
        end += timedelta(days=1) if end <= start else timedelta(0)
    when = When(start, rrule or None, end)
    if ask:
        later = When(start + timedelta(hours=12), rrule or None, end and end + timedelta(hours=12))
        return WhenRefusal(AMBIGUOUS_HOUR, choices=(when, later))
    return when


def verdict(got: When | WhenRefusal, expected: When | WhenRefusal) -> str:
    """"right", "refused" (not what was expected, but nothing was scheduled) or "wrong"."""
    if isinstance(expected, WhenRefusal):
        if isinstance(got, When):
            return "wrong"  # the bot should have refused or asked, and read something instead
        if expected.reason == AMBIGUOUS_HOUR:
            return "right" if got.reason == AMBIGUOUS_HOUR and got.choices == expected.choices else (
                "wrong" if got.reason == AMBIGUOUS_HOUR else "refused")
        return "right" if got.reason == expected.reason else "refused"
    if isinstance(got, WhenRefusal):
        return "wrong" if got.reason == AMBIGUOUS_HOUR and expected not in got.choices else "refused"
    return "right" if got == expected else "wrong"


def test_every_language_has_at_least_thirty_everyday_phrases() -> None:
    counts = {lang: len(block.strip().splitlines()) for lang, block in PHRASES.items()}
    assert set(counts) == {"en", "fr", "it", "es", "el", "hr", "de", "sl"}
    assert min(counts.values()) >= 30, counts


@pytest.mark.parametrize(("lang", "text", "expected"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_everyday_phrase_is_read_right(lang: str, text: str, expected: str) -> None:
    got = read_when(text, [lang], PARIS, NOW)
    want = expected_reading(expected)
    if isinstance(want, WhenRefusal) and want.reason != AMBIGUOUS_HOUR:
        assert isinstance(got, WhenRefusal) and got.reason == want.reason, got
    else:
        assert got == want


def test_everyday_phrases_score_98_percent_right_and_none_wrong() -> None:
    score: dict[str, dict[str, int]] = {}
    wrong = []
    for lang, text, expected in CASES:
        result = verdict(read_when(text, [lang], PARIS, NOW), expected_reading(expected))
        tally = score.setdefault(lang, {"right": 0, "refused": 0, "wrong": 0})
        tally[result] += 1
        if result == "wrong":
            wrong.append((lang, text))
    for lang, tally in score.items():
        total = sum(tally.values())
        print(f"{lang}: {tally['right']}/{total} right ({tally['right'] / total:.1%}), "
              f"{tally['refused']} refused, {tally['wrong']} wrong")
        assert tally["right"] / total >= 0.98, (lang, tally)
    assert wrong == []


# Day and time expressions with a known meaning, combined both ways round ("demain à 18h",
# "à 18h demain"): every combination must be read right or refused, never read wrong. The time
# is (text, hour, minute[, end hour]); hour None means the bot must ask (or, today, take the
# evening reading once the morning one has passed).
def _next(weekday: int) -> str:
    day = NOW.date() + timedelta(days=(weekday - NOW.weekday() - 1) % 7 + 1)
    return day.isoformat()


TODAY, TOMORROW, AFTER = (str(NOW.date() + timedelta(days=n)) for n in range(3))
DEC12 = "2026-12-12"
DAYS = {
    "en": [("today", TODAY), ("tmrw", TOMORROW), ("day after tomorrow", AFTER), ("on monday", _next(0)),
           ("next tuesday", _next(1)), ("this saturday", _next(5)), ("dec 12", DEC12), ("saturday 12 december", DEC12)],
    "fr": [("aujourd'hui", TODAY), ("demain", TOMORROW), ("après-demain", AFTER), ("lundi prochain", _next(0)),
           ("mardi prochain", _next(1)), ("ce samedi", _next(5)), ("le 12 décembre", DEC12), ("samedi 12/12", DEC12)],
    "it": [("oggi", TODAY), ("domani", TOMORROW), ("dopo domani", AFTER), ("lunedì prossimo", _next(0)),
           ("il prossimo martedì", _next(1)), ("questo sabato", _next(5)), ("il 12 dicembre", DEC12), ("sabato 12/12", DEC12)],
    "es": [("hoy", TODAY), ("mañana", TOMORROW), ("pasado mañana", AFTER), ("el lunes que viene", _next(0)),
           ("el próximo martes", _next(1)), ("este sábado", _next(5)), ("el 12 de diciembre", DEC12), ("sábado 12/12", DEC12)],
    "el": [("σήμερα", TODAY), ("αύριο", TOMORROW), ("μεθαύριο", AFTER), ("την επόμενη Δευτέρα", _next(0)),
           ("την ερχόμενη Τρίτη", _next(1)), ("το Σάββατο", _next(5)), ("12 Δεκεμβρίου", DEC12), ("Σάββατο 12/12", DEC12)],
    "hr": [("danas", TODAY), ("sutra", TOMORROW), ("prekosutra", AFTER), ("sljedeći ponedjeljak", _next(0)),
           ("idući utorak", _next(1)), ("ove subote", _next(5)), ("12. prosinca", DEC12), ("subota 12.12.", DEC12)],
    "de": [("heute", TODAY), ("morgen", TOMORROW), ("übermorgen", AFTER), ("nächsten Montag", _next(0)),
           ("am nächsten Dienstag", _next(1)), ("diesen Samstag", _next(5)), ("am 12. Dezember", DEC12), ("Samstag, 12.12.", DEC12)],
    "sl": [("danes", TODAY), ("jutri", TOMORROW), ("pojutrišnjem", AFTER), ("naslednji ponedeljek", _next(0)),
           ("naslednji torek", _next(1)), ("to soboto", _next(5)), ("12. decembra", DEC12), ("sobota 12.12.", DEC12)],
}
TIMES = {
    "en": [("at 18:00", 18, 0), ("6pm", 18, 0), ("6:30pm", 18, 30), ("at 10am", 10, 0), ("at noon", 12, 0), ("at 9", 9, 0),
           ("at 6", None, 0), ("quarter to 8 pm", 19, 45), ("at 8 in the evening", 20, 0), ("6-8pm", 18, 0, 20)],
    "fr": [("à 18h", 18, 0), ("18h30", 18, 30), ("à 6h du soir", 18, 0), ("à midi", 12, 0), ("vers 19h", 19, 0),
           ("à 9h", 9, 0), ("à 6h", None, 0), ("à dix-huit heures", 18, 0), ("18h moins le quart", 17, 45), ("de 18h à 20h", 18, 0, 20)],
    "it": [("alle 18", 18, 0), ("alle 18:30", 18, 30), ("alle 6 di sera", 18, 0), ("a mezzogiorno", 12, 0),
           ("verso le 19", 19, 0), ("alle 9", 9, 0), ("alle 6", None, 0), ("alle 3 del pomeriggio", 15, 0), ("dalle 18 alle 20", 18, 0, 20)],
    "es": [("a las 18", 18, 0), ("a las 18:30", 18, 30), ("a las 6 de la tarde", 18, 0), ("al mediodía", 12, 0),
           ("sobre las 19h", 19, 0), ("a las 9", 9, 0), ("a las 6", None, 0), ("a las tres de la tarde", 15, 0), ("de 18 a 20h", 18, 0, 20)],
    "el": [("στις 18:00", 18, 0), ("στις 6 μμ", 18, 0), ("στις 6 το απόγευμα", 18, 0), ("το μεσημέρι", 12, 0),
           ("γύρω στις 19:00", 19, 0), ("στις 9", 9, 0), ("στις 6", None, 0), ("στις 7 και μισή μ.μ.", 19, 30), ("18:00-20:00", 18, 0, 20)],
    "hr": [("u 18h", 18, 0), ("u 18:30", 18, 30), ("u 6 popodne", 18, 0), ("u podne", 12, 0), ("oko 19h", 19, 0),
           ("u 9", 9, 0), ("u 6", None, 0), ("u pola 8 navečer", 19, 30), ("od 18 do 20 sati", 18, 0, 20)],
    "de": [("um 18 Uhr", 18, 0), ("um 18:30", 18, 30), ("um 6 Uhr abends", 18, 0), ("mittags", 12, 0), ("gegen 19 Uhr", 19, 0),
           ("um 9", 9, 0), ("um 6", None, 0), ("um halb acht abends", 19, 30), ("von 18 bis 20 Uhr", 18, 0, 20)],
    "sl": [("ob 18h", 18, 0), ("ob 18:30", 18, 30), ("ob 6 zvečer", 18, 0), ("opoldne", 12, 0), ("okoli 19h", 19, 0),
           ("ob 9", 9, 0), ("ob 6", None, 0), ("ob pol osmih zvečer", 19, 30), ("od 18. do 20. ure", 18, 0, 20)],
}


def test_no_day_and_time_combination_is_read_wrong() -> None:
    wrong, right, total = [], 0, 0
    for lang, days in DAYS.items():
        for (day_text, day), (time_text, hour, minute, *end) in ((d, t) for d in days for t in TIMES[lang]):
            for text in (f"{day_text} {time_text}", f"{time_text} {day_text}"):
                got = read_when(text, [lang], PARIS, NOW)
                total += 1
                evening = datetime.fromisoformat(f"{day}T{6 if hour is None else hour:02d}:{minute:02d}").replace(tzinfo=PARIS)
                if hour is None:
                    asked = isinstance(got, WhenRefusal) and got.choices and got.choices[0].start == evening
                    took_evening = isinstance(got, When) and day == TODAY and got.start == evening + timedelta(hours=12)
                    right += bool(asked or took_evening)
                    if not (asked or took_evening or isinstance(got, WhenRefusal)):
                        wrong.append((lang, text, got))
                    continue
                expected = When(evening, None, evening.replace(hour=end[0]) if end else None)
                right += got == expected or (evening < NOW and isinstance(got, WhenRefusal) and got.reason == "past")
                if isinstance(got, When) and (got != expected or evening < NOW):
                    wrong.append((lang, text, got))
    assert wrong == []
    assert right / total >= 0.98, (right, total)


def test_the_spaces_language_never_changes_a_reading() -> None:
    # The vocabulary of the user's and the space's language are merged; a word of one ("sera",
    # "am", "sat") must not turn a phrase of the other into another time. Refusing is allowed.
    changed = []
    for lang, text, _ in CASES:
        alone = read_when(text, [lang], PARIS, NOW)
        for other in PHRASES:
            both = read_when(text, [lang, other], PARIS, NOW)
            if both != alone and not (isinstance(both, WhenRefusal) and both.reason != AMBIGUOUS_HOUR):
                changed.append((lang, other, text, both))
    assert changed == []
