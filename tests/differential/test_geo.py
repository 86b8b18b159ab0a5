# Differential cases for the GEO commands: GEOADD (NX XX CH) GEODIST GEOHASH GEOPOS GEORADIUS
# GEORADIUS_RO GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO GEOSEARCH GEOSEARCHSTORE (FROMMEMBER
# FROMLONLAT BYRADIUS BYBOX ASC DESC COUNT ANY WITHCOORD WITHDIST WITHHASH STORE STOREDIST). The
# scores GEOADD stores (ZRANGE WITHSCORES), the coordinates GEOPOS prints (17 decimals, a bulk
# string in RESP2, a double in RESP3), the 4-decimal distances and the geohash strings are
# compared byte for byte; so are the error texts and the order in which arguments are checked
# (WRONGTYPE before a bad coordinate, a missing member before a later syntax error), points at
# the poles and on the antimeridian, huge radiuses, sorted sets of both encodings, scores no
# GEOADD wrote, the STORE forms (destination replaced, TTL dropped, deleted by an empty result,
# its encoding, the changes counted) and COMMAND GETKEYS. A fixed-seed random sequence of
# GEOADD/GEOSEARCH/GEORADIUS/... then compares thousands of replies (REDOUBT_GEO_RANDOM_SEED=7070,
# REDOUBT_GEO_RANDOM_STEPS=3000).
#
# Every reply is compared exactly, the unsorted results (no ASC/DESC, COUNT ... ANY) too: Redis
# lists them in the order it scans its geohash cells, which Redoubt follows. The one order
# Redoubt does not promise is that of members at exactly the same distance when COUNT (without
# ANY) cuts a sorted result: Redis sorts only the part it returns, with a partial quicksort that
# leaves equal distances in no defined order (and at the cut keeps either member). The
# hand-written cases keep such distances distinct; the random sequence, whose edge points and
# odd scores often share a position, compares those replies with `same_up_to_ties`.
import os
import random

import pytest

from differential.cases import MAKE_LIST, run
from differential.test_dirty import Changes
from support.compare import diff_replies

RANDOM_STEPS = int(os.environ.get("REDOUBT_GEO_RANDOM_STEPS", "3000"))
RANDOM_SEED = int(os.environ.get("REDOUBT_GEO_RANDOM_SEED", "7070"))

SICILY = ("GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
          "Catania")
NYC = ("GEOADD", "nyc", "-73.9454966", "40.747533", "lic market", "-73.9733487", "40.7648057",
       "central park n/q/r", "-73.9903085", "40.7362513", "union square", "-74.0131604",
       "40.7126674", "wtc one", "-73.7858139", "40.6428986", "jfk", "-73.9375699", "40.7498929",
       "q4", "-73.9564142", "40.7480973", "4545")


def test_geoadd_options_and_scores(dp):
    run(dp, SICILY, """
        ZRANGE Sicily 0 -1 WITHSCORES
        GEOADD Sicily 13.361389 38.115556 Palermo
        GEOADD Sicily CH 13.361389 38.115556 Palermo
        GEOADD Sicily CH 13.361390 38.115556 Palermo
        GEOADD Sicily NX 1 1 Palermo 2 2 new1
        GEOADD Sicily NX CH 1 1 Palermo 3 3 new2
        GEOADD Sicily XX 1 1 Palermo 4 4 nothere
        GEOADD Sicily XX CH 1 1 Palermo 5 5 Catania 6 6 nothere
        GEOADD Sicily ch xx 7 7 Palermo
        GEOADD Sicily Nx cH 7 7 Palermo
        GEOADD Sicily CH CH 8 8 Palermo
        GEOADD Sicily 1 1 dup 2 2 dup 3 3 dup
        GEOADD Sicily CH 1 1 dup 2 2 dup 3 3 dup
        ZRANGE Sicily 0 -1 WITHSCORES
        EXISTS nothere
        GEOADD newkey XX 1 1 a
        EXISTS newkey
        GEOADD newkey XX CH 1 1 a
        GEOADD newkey NX 1 1 a
        TYPE newkey
        OBJECT ENCODING newkey
        """)


def test_geoadd_errors(dp):
    run(dp, SICILY, MAKE_LIST, """
        GEOADD Sicily XX NX 1 1 a
        GEOADD Sicily nx xx 1 1 a
        GEOADD Sicily NX XX
        GEOADD Sicily CH
        GEOADD Sicily CH NX
        GEOADD Sicily CH XX NX
        GEOADD Sicily 1 1
        GEOADD Sicily 1 1 a 2
        GEOADD Sicily 1 1 a 2 2
        GEOADD Sicily GT 1 1 a
        GEOADD Sicily LT 1 1 a
        GEOADD Sicily INCR 1 1 a
        GEOADD Sicily ch xx foo 1 1 a
        GEOADD Sicily x 1 a
        GEOADD Sicily 1 y a
        GEOADD Sicily nan 1 a
        GEOADD Sicily 1 nan a
        GEOADD Sicily inf 1 a
        GEOADD Sicily -inf 1 a
        GEOADD Sicily 1 inf a
        GEOADD Sicily 1e400 1 a
        GEOADD Sicily 181 1 a
        GEOADD Sicily 180.0000001 1 a
        GEOADD Sicily -180.0000001 1 a
        GEOADD Sicily 1 85.05112879 a
        GEOADD Sicily 1 -85.05112879 a
        GEOADD Sicily 1 90 a
        GEOADD Sicily 1e300 1e300 a
        GEOADD Sicily 1 1 a 2 200 b
        GEOADD Sicily 1 1 a x 2 b
        GEOADD Sicily " 1" 1 a
        GEOADD Sicily 0x10 1 a
        GEOADD lst 1 1 a
        GEOADD lst 1 1 a 200 1 b
        GEOADD lst 1 x a
        GEOADD lst XX NX 1 1 a
        GEOADD
        GEOADD k
        GEOADD k 1 1
        ZRANGE Sicily 0 -1 WITHSCORES
        """)


def test_points_at_the_edges_of_the_ranges(dp):
    run(dp, """
        GEOADD edge 180 85.05112878 ne -180 -85.05112878 sw 180 -85.05112878 se
        GEOADD edge -180 85.05112878 nw 0 0 origin -0 -0 negzero
        GEOADD edge 179.9999999 0 justwest -179.9999999 0 justeast 1e-300 1e-300 tiny
        GEOADD edge 0 85.05112877 belowtop 0 -85.05112877 abovebottom 90 45 a 90.0000000001 45 b
        ZRANGE edge 0 -1 WITHSCORES
        GEOPOS edge ne sw se nw origin negzero justwest justeast tiny belowtop abovebottom a b
        GEOHASH edge ne sw se nw origin negzero justwest justeast tiny belowtop abovebottom a b
        GEODIST edge ne sw
        GEODIST edge ne nw km
        GEODIST edge justwest justeast
        GEODIST edge justwest justeast ft
        GEODIST edge origin negzero
        GEODIST edge a b
        GEODIST edge belowtop abovebottom mi
        GEOSEARCH edge FROMLONLAT 180 0 BYRADIUS 100 km ASC WITHCOORD WITHDIST WITHHASH
        GEOSEARCH edge FROMLONLAT -180 0 BYRADIUS 100 km DESC WITHCOORD WITHDIST
        GEOSEARCH edge FROMLONLAT 180 0 BYBOX 200 200 km WITHDIST
        GEOSEARCH edge FROMLONLAT 0 85.05112878 BYRADIUS 1 m WITHDIST
        GEOSEARCH edge FROMLONLAT 0 85.05112878 BYRADIUS 20000 km ASC WITHDIST
        GEOSEARCH edge FROMLONLAT 180 85.05112878 BYRADIUS 5000 km WITHDIST
        GEOSEARCH edge FROMLONLAT -180 -85.05112878 BYBOX 10000 10000 km WITHDIST
        GEOSEARCH edge FROMMEMBER ne BYRADIUS 0 m WITHDIST
        GEOSEARCH edge FROMMEMBER origin BYBOX 0 0 m WITHDIST WITHHASH
        GEORADIUS edge 180 85.05112878 100000 km WITHDIST
        GEORADIUS edge 0 0 50000 km
        GEORADIUS edge 0 0 50000 km ASC WITHDIST WITHCOORD
        GEORADIUS edge 0 0 1e308 mi DESC
        GEORADIUS edge 0 0 inf km
        GEORADIUSBYMEMBER edge justwest 1 km WITHDIST
        GEORADIUSBYMEMBER edge justeast 100 m ASC WITHDIST WITHCOORD
        GEOADD anti 0 0 a 180 0 b -90 45 c 90 -45 d 0.5 0.5 e -179.5 -0.5 f
        GEOADD anti 45 85.05112878 g -135 -85.05112878 h
        GEODIST anti a b
        GEODIST anti c d
        GEODIST anti e f km
        GEODIST anti g h
        GEOSEARCH anti FROMMEMBER a BYRADIUS 20100 km ASC WITHDIST
        GEOSEARCH anti FROMMEMBER g BYBOX 40000 40000 km DESC WITHDIST
        """)


def test_scores_no_geoadd_wrote(dp):
    run(dp, """
        ZADD odd -1 a inf b 1e300 c 0.5 d -inf e 9.3e18 f 4503599627370496 g 123 h -0 i
        ZADD odd 3377699720527872.5 j 1e16 k 18446744073709551616 l -1.5 m
        GEOPOS odd a b c d e f g h i j k l m
        GEOHASH odd a b c d e f g h i j k l m
        GEODIST odd a b
        GEODIST odd a e km
        GEODIST odd g h mi
        GEOSEARCH odd FROMMEMBER h BYRADIUS 100 km WITHDIST WITHHASH WITHCOORD
        GEOSEARCH odd FROMLONLAT 0 0 BYRADIUS 25000 km ASC WITHHASH
        GEORADIUS odd -180 -85 500 km WITHHASH
        GEORADIUSBYMEMBER odd f 100 km WITHCOORD
        """)


def test_geopos_geohash_geodist(dp):
    run(dp, SICILY, MAKE_LIST, """
        GEOPOS Sicily Palermo Catania
        GEOPOS Sicily nope Palermo nope
        GEOPOS Sicily
        GEOPOS missing a b
        GEOPOS missing
        GEOPOS lst a
        GEOPOS
        GEOHASH Sicily Palermo Catania nope
        GEOHASH Sicily
        GEOHASH missing a
        GEOHASH lst a
        GEODIST Sicily Palermo Catania
        GEODIST Sicily Palermo Catania m
        GEODIST Sicily Palermo Catania KM
        GEODIST Sicily Palermo Catania ft
        GEODIST Sicily Palermo Catania Mi
        GEODIST Sicily Catania Palermo mi
        GEODIST Sicily Palermo Palermo
        GEODIST Sicily Palermo nope
        GEODIST Sicily nope Palermo km
        GEODIST Sicily Palermo Catania yd
        GEODIST Sicily Palermo Catania km extra
        GEODIST missing a b
        GEODIST missing a b yd
        GEODIST missing a b km x
        GEODIST lst a b
        GEODIST lst a b yd
        GEODIST Sicily Palermo
        """, ("GEOADD", "points", "-5.6", "42.6", "test", "10", "20", "a", "30", "40", "b"), """
        GEOHASH points test a b
        GEOPOS points test a b
        GEODIST points a b km
        """)


def test_search_argument_errors(dp):
    run(dp, SICILY, MAKE_LIST, """
        GEORADIUS Sicily 15 37 200 km COUNT
        GEORADIUS Sicily 15 37 200 km COUNT 0
        GEORADIUS Sicily 15 37 200 km COUNT -1
        GEORADIUS Sicily 15 37 200 km COUNT x
        GEORADIUS Sicily 15 37 200 km COUNT 1.5
        GEORADIUS Sicily 15 37 200 km COUNT 99999999999999999999
        GEORADIUS Sicily 15 37 200 km ANY
        GEORADIUS Sicily 15 37 200 km ANY ASC
        GEORADIUS Sicily 15 37 200 km COUNT 0 ANY
        GEORADIUS Sicily 15 37 200 km BOGUS
        GEORADIUS Sicily 15 37 200 km STORE
        GEORADIUS Sicily 15 37 200 km STOREDIST
        GEORADIUS Sicily 15 37 200 km STORE d WITHDIST
        GEORADIUS Sicily 15 37 200 km WITHHASH STOREDIST d
        GEORADIUS Sicily 15 37 200 km STORE d WITHCOORD
        GEORADIUS Sicily 15 37 200 km withcoords
        GEORADIUS Sicily 15 37 200 km FROMMEMBER Palermo
        GEORADIUS Sicily 15 37 200 km BYRADIUS 1 km
        GEORADIUS Sicily 15 37 -1 km
        GEORADIUS Sicily 15 37 x km
        GEORADIUS Sicily 15 37 nan km
        GEORADIUS Sicily 15 37 200 yd
        GEORADIUS Sicily 15 37 x yd
        GEORADIUS Sicily 200 37 200 km
        GEORADIUS Sicily 15 86 200 km
        GEORADIUS Sicily x 37 200 km
        GEORADIUS Sicily 15 37 200 km COUNT 0 STORE d WITHDIST
        GEORADIUS Sicily 15 37 200 km STORE d WITHDIST COUNT 0
        GEORADIUS Sicily 15 37 200
        GEORADIUS_RO Sicily 15 37 200 km STORE d
        GEORADIUS_RO Sicily 15 37 200 km STOREDIST d
        GEORADIUS_RO Sicily 15 37 200 km STOREDIST
        GEORADIUSBYMEMBER Sicily nope 200 km
        GEORADIUSBYMEMBER Sicily nope x yd BOGUS
        GEORADIUSBYMEMBER Sicily Palermo -1 km
        GEORADIUSBYMEMBER Sicily Palermo 1 yd
        GEORADIUSBYMEMBER Sicily Palermo 1 km BOGUS
        GEORADIUSBYMEMBER Sicily Palermo 1 km STORE d WITHDIST
        GEORADIUSBYMEMBER_RO Sicily Palermo 1 km STORE d
        GEORADIUSBYMEMBER Sicily Palermo 1
        GEOSEARCH Sicily BYRADIUS 200 km ASC
        GEOSEARCH Sicily FROMLONLAT 15 37 ASC DESC
        geosearch Sicily BYRADIUS 200 km ASC DESC
        GeoSearch Sicily FROMLONLAT 15 37 WITHDIST ANY
        GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km
        GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km
        GEOSEARCH Sicily FROMMEMBER Palermo FROMMEMBER Catania BYRADIUS 1 km
        GEOSEARCH Sicily FROMLONLAT 15 37 FROMLONLAT 13 38 BYRADIUS 300 km
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYBOX 1 1 km
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 km BYRADIUS 1 km
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km BYRADIUS 300 km
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE d
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STOREDIST
        GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STOREDIST d
        GEOSEARCH Sicily FROMMEMBER nope BYRADIUS 1 km BOGUS
        GEOSEARCH Sicily FROMMEMBER nope BYRADIUS x km
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS x km
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS -5 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 5 yd
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX x 1 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 x km
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX -1 1 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 -1 km
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX -1 -1 yd
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 1 yd
        GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 1
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1
        GEOSEARCH Sicily FROMLONLAT 15 BYRADIUS 1 km
        GEOSEARCH Sicily FROMLONLAT 15 100 BYRADIUS 1 km
        GEOSEARCH Sicily FROMLONLAT x 37 BYRADIUS 1 km
        GEOSEARCH Sicily FROMMEMBER
        GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 km COUNT 1 ANY ANY STORE
        GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE x
        GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 1 km WITHDIST
        GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 1 km WITHHASH STOREDIST
        GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 1 km WITHCOORD
        GEOSEARCHSTORE d Sicily BYRADIUS 1 km ASC DESC
        GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 ASC DESC
        GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 1 km ANY
        GEORADIUS lst 200 37 200 km
        GEORADIUS lst 15 37 x km BOGUS
        GEORADIUS_RO lst 15 37 200 km STORE d
        GEORADIUSBYMEMBER lst nope 1 km
        GEOSEARCH lst FROMMEMBER nope BYRADIUS 1 km
        GEOSEARCH lst BOGUS 1 2 3 4 5
        GEOSEARCHSTORE d lst FROMLONLAT 15 37 BYRADIUS 1 km
        GEOSEARCHSTORE lst Sicily FROMLONLAT 15 37 BYRADIUS 1 km
        TYPE lst
        EXISTS d
        """)


def test_missing_source(dp):
    # Redis reads every option but not GEORADIUSBYMEMBER's radius, nor a member to search
    # around, and answers [] (or 0, deleting the destination, for the STORE forms).
    run(dp, """
        SET d v
        GEORADIUS missing 15 37 200 km
        GEORADIUS missing 15 37 200 km STORE d
        EXISTS d
        SET d v
        GEORADIUS missing 15 37 200 km STOREDIST d COUNT 3
        EXISTS d
        GEORADIUS missing 200 37 200 km
        GEORADIUS missing 15 37 x km
        GEORADIUS missing 15 37 200 km ANY
        GEORADIUSBYMEMBER missing m 1 km
        GEORADIUSBYMEMBER missing m x yd
        GEORADIUSBYMEMBER missing m x yd COUNT 1
        GEORADIUSBYMEMBER missing m x yd ANY
        GEORADIUSBYMEMBER missing m x yd BOGUS
        GEORADIUSBYMEMBER missing m x yd STORE d WITHDIST
        SET d v
        GEORADIUSBYMEMBER missing m x yd STORE d
        EXISTS d
        GEORADIUSBYMEMBER_RO missing m 1 km WITHDIST
        GEOSEARCH missing FROMMEMBER m BYRADIUS 1 km
        GEOSEARCH missing FROMMEMBER m BYBOX 1 1 km ASC
        GEOSEARCH missing FROMLONLAT 1 1 BYRADIUS 1 km
        GEOSEARCH missing FROMLONLAT 1 100 BYRADIUS 1 km
        GEOSEARCH missing FROMMEMBER m BYRADIUS x km
        GEOSEARCH missing FROMMEMBER m ASC DESC
        SET d v
        EXPIRE d 100
        GEOSEARCHSTORE d missing FROMMEMBER m BYRADIUS 1 km
        EXISTS d
        GEOSEARCHSTORE d missing FROMMEMBER m BYRADIUS 1 km
        """)


def test_search_replies(dp):
    run(dp, NYC, """
        GEORADIUS nyc -73.9798091 40.7598464 3 km
        GEORADIUS nyc -73.9798091 40.7598464 3 km ASC
        GEORADIUS nyc -73.9798091 40.7598464 3 km DESC
        GEORADIUS nyc -73.9798091 40.7598464 3 km WITHDIST
        GEORADIUS nyc -73.9798091 40.7598464 3 km WITHHASH
        GEORADIUS nyc -73.9798091 40.7598464 3 km WITHCOORD
        GEORADIUS nyc -73.9798091 40.7598464 3 km withcoord withdist withhash asc
        GEORADIUS nyc -73.9798091 40.7598464 3 km WITHHASH WITHCOORD WITHDIST WITHDIST DESC
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 3
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 3 ANY
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 3 ANY ASC
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 3 ANY DESC
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 2 DESC
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 100
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 100 ANY
        GEORADIUS nyc -73.9798091 40.7598464 10 km COUNT 1 COUNT 4
        GEORADIUS nyc -73.9798091 40.7598464 10 km ASC DESC
        GEORADIUS nyc -73.9798091 40.7598464 10 km DESC ASC
        GEORADIUS nyc -73.9798091 40.7598464 10000 m
        GEORADIUS nyc -73.9798091 40.7598464 32808.4 ft ASC WITHDIST
        GEORADIUS nyc -73.9798091 40.7598464 6.2 mi DESC WITHDIST
        GEORADIUS nyc -73.9798091 40.7598464 0 km
        GEORADIUS nyc 0 0 1 km
        GEORADIUS_RO nyc -73.9798091 40.7598464 3 km WITHDIST ASC
        GEORADIUSBYMEMBER nyc jfk 20 km
        GEORADIUSBYMEMBER nyc jfk 20 km WITHDIST ASC
        GEORADIUSBYMEMBER nyc q4 5 km COUNT 2 WITHCOORD
        GEORADIUSBYMEMBER nyc q4 0 km WITHDIST
        GEORADIUSBYMEMBER_RO nyc q4 5 km DESC WITHHASH
        GEOSEARCH nyc FROMLONLAT -73.9798091 40.7598464 BYBOX 6 6 km ASC
        GEOSEARCH nyc FROMLONLAT -73.9798091 40.7598464 BYBOX 6 6 km
        GEOSEARCH nyc FROMLONLAT -73.9798091 40.7598464 BYBOX 6 6 km WITHDIST WITHCOORD DESC
        GEOSEARCH nyc FROMLONLAT -73.9798091 40.7598464 BYBOX 60 1 km WITHDIST
        GEOSEARCH nyc FROMLONLAT -73.9798091 40.7598464 BYBOX 1 60 km WITHDIST
        GEOSEARCH nyc FROMMEMBER jfk BYRADIUS 30 km COUNT 3 WITHHASH
        GEOSEARCH nyc FROMMEMBER jfk BYRADIUS 30 km COUNT 3 ANY WITHHASH
        GEOSEARCH nyc BYRADIUS 30 km FROMMEMBER jfk DESC
        GEOSEARCH nyc COUNT 2 BYRADIUS 30 mi ASC FROMLONLAT -73.9 40.7 WITHDIST
        """, ("GEOSEARCH", "nyc", "FROMMEMBER", "wtc one", "BYBOX", "14", "14", "km"),
        ("GEORADIUSBYMEMBER", "nyc", "wtc one", "7", "km", "WITHDIST"))


def test_classic_examples(dp):
    # The cases of Redis's own unit/geo that check exact replies.
    run(dp, """
        GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
        GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 eage2
        GEORADIUS Sicily 15 37 200 km asc
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km asc
        DEL Sicily
        GEOADD Sicily 12.75 36.995 test1 12.75 36.50 test2 13.00 36.50 test3
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 2 km
        GEOADD Sicily -1 37.00 test3
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 3000 2 km asc
        DEL Sicily
        GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 edge2 17.250000 35.202000 edge3 12.750000 35.202000 edge4 12.748489955781654 37 edge5 15 38.798135872540925 edge6 17.251510044218346 37 edge7 15 35.201864127459075 edge8 12.692799634687903 38.798135872540925 corner1 12.692799634687903 38.798135872540925 corner2 17.200560937451133 35.201864127459075 corner3 12.799439062548865 35.201864127459075 corner4
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km asc
        GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km WITHDIST
        GEOADD k1 -0.15307903289794921875 85 n1 0.3515625 85.00019260486917005437 n2
        GEORADIUSBYMEMBER k1 n1 4891.94 m
        ZREM k1 n1 n2
        GEOADD k1 -4.95211958885192871094 85 n3 11.25 85.0511 n4
        GEORADIUSBYMEMBER k1 n3 156544 m
        ZREM k1 n3 n4
        GEOADD k1 -45 65.50900022111811438208 n5 90 85.0511 n6
        GEORADIUSBYMEMBER k1 n5 5009431 m
        DEL k1
        GEOADD k1 45 65 n1 -135 85.05 n2
        GEORADIUSBYMEMBER k1 n1 5009431 m
        GEOADD points 179.5 36 point1 -179.5 36 point2
        GEOSEARCH points FROMLONLAT 179 37 BYBOX 400 400 km asc
        GEOSEARCH points FROMLONLAT -179 37 BYBOX 400 400 km asc
        GEOADD small -122.407107 37.794300 1 -122.227336 37.794300 2
        GEORADIUS small -122.407107 37.794300 30 mi ASC WITHDIST
        GEOADD users -47.271613776683807 -54.534504198047678 user_000000
        GEORADIUS users 0 0 50000 km WITHCOORD
        """)


def test_store_forms(dp):
    run(dp, SICILY, """
        GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 edge2
        GEORADIUS Sicily 15 37 200 km STORE d
        ZRANGE d 0 -1 WITHSCORES
        OBJECT ENCODING d
        GEORADIUS Sicily 15 37 200 km STOREDIST d
        ZRANGE d 0 -1 WITHSCORES
        GEORADIUS Sicily 15 37 200 km STOREDIST d ASC COUNT 1
        ZRANGE d 0 -1 WITHSCORES
        GEORADIUS Sicily 15 37 500 km STOREDIST d DESC COUNT 2
        ZRANGE d 0 -1 WITHSCORES
        GEORADIUS Sicily 15 37 500 mi STORE d STOREDIST d2
        EXISTS d
        ZRANGE d2 0 -1 WITHSCORES
        GEORADIUS Sicily 15 37 500 ft STOREDIST d2 STORE d3
        EXISTS d2 d3
        GEORADIUS Sicily 15 37 500 km STORE d3 COUNT 2 ANY
        ZRANGE d3 0 -1 WITHSCORES
        GEORADIUSBYMEMBER Sicily Palermo 200 km STORE d4
        ZRANGE d4 0 -1 WITHSCORES
        GEORADIUSBYMEMBER Sicily Catania 200 km STOREDIST d4
        ZRANGE d4 0 -1 WITHSCORES
        GEOSEARCHSTORE d5 Sicily FROMLONLAT 15 37 BYRADIUS 500 km
        ZRANGE d5 0 -1 WITHSCORES
        GEOSEARCHSTORE d5 Sicily FROMLONLAT 15 37 BYRADIUS 500 km STOREDIST
        ZRANGE d5 0 -1 WITHSCORES
        GEOSEARCHSTORE d5 Sicily FROMLONLAT 15 37 BYBOX 400 400 km STOREDIST COUNT 2 DESC
        ZRANGE d5 0 -1 WITHSCORES
        GEOSEARCHSTORE d5 Sicily FROMMEMBER Palermo BYBOX 1000 1000 mi STOREDIST STOREDIST
        ZRANGE d5 0 -1 WITHSCORES
        SET str v
        EXPIRE str 1000
        GEOSEARCHSTORE str Sicily FROMLONLAT 15 37 BYRADIUS 500 km
        TYPE str
        TTL str
        RPUSH lst a
        GEORADIUS Sicily 15 37 500 km STORE lst
        TYPE lst
        GEOSEARCHSTORE d5 Sicily FROMLONLAT 0 0 BYRADIUS 1 km
        EXISTS d5
        GEOSEARCHSTORE d5 Sicily FROMLONLAT 0 0 BYRADIUS 1 km
        GEORADIUS Sicily 0 0 1 km STORE d4
        EXISTS d4
        GEORADIUSBYMEMBER Sicily Palermo 1 m STORE Sicily
        ZRANGE Sicily 0 -1 WITHSCORES
        GEOSEARCHSTORE Sicily Sicily FROMMEMBER Palermo BYRADIUS 1 km STOREDIST
        ZRANGE Sicily 0 -1 WITHSCORES
        GEOSEARCHSTORE Sicily Sicily FROMMEMBER Palermo BYRADIUS 0 km
        EXISTS Sicily
        """)


def test_stored_encoding_follows_the_content(dp):
    # A result of more than zset-max-listpack-entries members, or with a member longer than
    # zset-max-listpack-value bytes, is stored as a skiplist; a smaller one as a listpack.
    points = []
    for i in range(200):
        points += [f"{10 + (i % 20) * 0.01:.2f}", f"{40 + (i // 20) * 0.01:.2f}", f"p{i}"]
    run(dp, ("GEOADD", "big", *points), """
        OBJECT ENCODING big
        GEOSEARCHSTORE d big FROMLONLAT 10.1 40.05 BYRADIUS 100 km
        OBJECT ENCODING d
        ZCARD d
        GEOSEARCHSTORE d big FROMLONLAT 10.1 40.05 BYRADIUS 100 km COUNT 128
        OBJECT ENCODING d
        GEOSEARCHSTORE d big FROMLONLAT 10.1 40.05 BYRADIUS 100 km COUNT 129 STOREDIST
        OBJECT ENCODING d
        GEOSEARCH big FROMLONLAT 10.1 40.05 BYRADIUS 3 km
        GEOSEARCH big FROMLONLAT 10.1 40.05 BYRADIUS 3 km ASC WITHDIST
        GEOSEARCH big FROMLONLAT 10.1 40.05 BYBOX 4 2 km DESC WITHHASH
        GEOSEARCH big FROMLONLAT 10.1 40.05 BYRADIUS 100 km COUNT 7 ANY
        GEORADIUSBYMEMBER big p77 2 km WITHDIST
        """, ("GEOADD", "long", "10", "40", "L" * 65, "10.001", "40", "short"), """
        OBJECT ENCODING long
        GEOSEARCHSTORE d long FROMLONLAT 10 40 BYRADIUS 1 km
        OBJECT ENCODING d
        GEOSEARCHSTORE d long FROMLONLAT 10 40 BYRADIUS 1 km COUNT 1 DESC
        OBJECT ENCODING d
        """)


def test_changes_counted(d):
    c = Changes(d)
    c.run(SICILY, """
        GEOADD Sicily 13.361389 38.115556 Palermo
        GEOADD Sicily CH 1 1 Palermo 2 2 Catania 3 3 x
        GEOADD Sicily NX 1 1 Palermo
        GEOADD missing XX 1 1 a
        GEOADD Sicily 200 1 a
        GEORADIUS Sicily 1 1 500 km
        GEORADIUS Sicily 1 1 500 km STORE d
        GEORADIUS Sicily 1 1 500 km STOREDIST d COUNT 1
        GEORADIUS Sicily 50 50 1 km STORE d
        GEORADIUS Sicily 50 50 1 km STORE d
        GEORADIUS missing 50 50 1 km STORE d
        GEORADIUSBYMEMBER Sicily x 1000 km STORE d
        GEORADIUSBYMEMBER missing x 1000 km STORE d
        GEOSEARCHSTORE d Sicily FROMMEMBER x BYRADIUS 1000 km
        GEOSEARCHSTORE d missing FROMMEMBER x BYRADIUS 1000 km
        GEOSEARCHSTORE d missing FROMMEMBER x BYRADIUS 1000 km
        GEOSEARCHSTORE d Sicily FROMMEMBER x BYRADIUS 1000 km WITHDIST
        GEOSEARCH Sicily FROMMEMBER x BYRADIUS 1000 km
        GEOPOS Sicily x
        GEODIST Sicily x Palermo
        GEOHASH Sicily x
        """)


def test_command_getkeys(dp):
    run(dp, """
        COMMAND GETKEYS georadius src 0 0 1 km
        COMMAND GETKEYS georadius src 0 0 1 km STORE dst
        COMMAND GETKEYS georadius src 0 0 1 km STOREDIST dst
        COMMAND GETKEYS georadius src 0 0 1 km COUNT 1 store dst storedist dst2
        COMMAND GETKEYS georadius_ro src 0 0 1 km
        COMMAND GETKEYS georadiusbymember src m 1 km STORE dst
        COMMAND GETKEYS georadiusbymember_ro src m 1 km
        COMMAND GETKEYS geosearch src FROMMEMBER m BYRADIUS 1 km
        COMMAND GETKEYS geosearchstore dst src FROMMEMBER m BYRADIUS 1 km
        COMMAND GETKEYS geoadd k 1 1 m
        COMMAND GETKEYS geopos k m
        COMMAND GETKEYS geodist k a b
        COMMAND GETKEYS geohash k a
        COMMAND GETKEYSANDFLAGS georadius src 0 0 1 km STORE dst
        COMMAND GETKEYSANDFLAGS georadiusbymember src m 1 km STOREDIST dst
        COMMAND GETKEYSANDFLAGS geosearchstore dst src FROMMEMBER m BYRADIUS 1 km
        COMMAND GETKEYSANDFLAGS geoadd k 1 1 m
        COMMAND GETKEYSANDFLAGS geosearch k FROMMEMBER m BYRADIUS 1 km
        COMMAND INFO geoadd geodist geohash geopos georadius georadius_ro
        COMMAND INFO georadiusbymember georadiusbymember_ro geosearch geosearchstore
        """)


def test_geo_in_a_transaction(dp):
    run(dp, """
        MULTI
        GEOADD k 1 1 a 2 2 b
        GEORADIUS k 1 1 500 km WITHDIST ASC
        GEOADD k 200 1 c
        GEOSEARCHSTORE d k FROMMEMBER a BYRADIUS 500 km STOREDIST
        EXEC
        ZRANGE d 0 -1 WITHSCORES
        """)


# ---- Fixed-seed random sequence ----

# Where the random points gather, so that searches find some: Sicily, New York, both sides of
# the antimeridian, near the poles' limits, the origin.
CENTRES = [(13.36, 38.11), (-73.98, 40.75), (179.8, -16.5), (-179.7, 65.0), (10.0, 84.9),
           (-120.0, -84.8), (0.0, 0.0)]
UNITS = ["m", "km", "ft", "mi", "KM", "Mi"]
METERS = {"m": 1, "km": 1000, "ft": 0.3048, "mi": 1609.34}


def _coord(r, centre=None):
    if centre is None or r.random() < 0.15:
        lon, lat = r.uniform(-180, 180), r.uniform(-85.05112878, 85.05112878)
    else:
        spread = r.choice([0.01, 0.1, 1.0, 5.0])
        lon = centre[0] + r.gauss(0, spread)
        lat = centre[1] + r.gauss(0, spread)
        lon = ((lon + 180) % 360) - 180
        lat = max(-85.05112878, min(85.05112878, lat))
    if r.random() < 0.03:
        lon = r.choice([180, -180, 0])
    if r.random() < 0.03:
        lat = r.choice([85.05112878, -85.05112878, 0])
    digits = r.choice([3, 6, 9, 14])
    return f"{lon:.{digits}f}", f"{lat:.{digits}f}"


def _distance(r):
    unit = r.choice(UNITS)
    meters = r.choice([0, 1, 50, 1000, 20_000, 150_000, 800_000, 5_000_000, 25_000_000])
    if meters and r.random() < 0.8:
        meters *= r.uniform(0.5, 2)
    value = meters / METERS[unit.lower()]
    return f"{value:.{r.choice([0, 2, 5])}f}", unit


def _options(r, store_form):
    opts = []
    if not store_form:
        for flag in ("WITHDIST", "WITHHASH", "WITHCOORD"):
            if r.random() < 0.3:
                opts.append(flag)
    if r.random() < 0.5:
        opts.append(r.choice(["ASC", "DESC"]))
    if r.random() < 0.35:
        opts += ["COUNT", str(r.choice([1, 2, 3, 5, 10, 50]))]
        # A stored result cut by COUNT could keep a different one of two members at the same
        # distance (see the file's header), so the STORE forms take COUNT with ANY here.
        if store_form or r.random() < 0.4:
            opts.append("ANY")
    return opts


def _cut_by_count(args):
    """Whether COUNT without ANY may cut a sorted result (see the file's header)."""
    upper = [str(a).upper() for a in args]
    return "COUNT" in upper and "ANY" not in upper


def same_up_to_ties(d, key):
    """A search whose sorted result COUNT cuts: the same once every member is replaced by its
    position (so the same distances, hashes and coordinates, in the same order), read from the
    reference with GEOPOS (both sets are equal so far). Which of the members at one position
    Redis lists first, or keeps at the cut, is open."""
    def canonical(reply):
        out = []
        for item in reply[1]:
            fields = item[1] if item[0] == "array" else [item]
            out.append((repr(d.ref.call("GEOPOS", key, fields[0][1])), repr(fields[1:])))
        return out

    def rule(args, a, b):
        difference = diff_replies(a, b)
        if difference is None or a[0] != "array" or b[0] != "array":
            return difference
        return None if canonical(a) == canonical(b) else difference
    return rule


def _check(d, args):
    if args[0].startswith("GEO") and _cut_by_count(args):
        d.check(*args, rule=same_up_to_ties(d, args[1]))
    else:
        d.check(*args)


def _random_command(r, keys, members):
    k = r.choice(keys)
    op = r.random()
    centre = r.choice(CENTRES)
    if op < 0.30:
        args = ["GEOADD", k]
        if r.random() < 0.15:
            args.append(r.choice(["NX", "XX", "CH", "CH", "NX CH", "XX CH"]))
            args = args[:2] + args[2].split()
        for _ in range(r.choice([1, 2, 5, 20, 50])):
            args += [*_coord(r, centre), r.choice(members)]
        return args
    if op < 0.52:
        args = ["GEOSEARCH", k]
        if r.random() < 0.5:
            args += ["FROMMEMBER", r.choice(members)]
        else:
            args += ["FROMLONLAT", *_coord(r, centre)]
        if r.random() < 0.5:
            args += ["BYRADIUS", *_distance(r)]
        else:
            width, unit = _distance(r)
            height, _ = _distance(r)
            args += ["BYBOX", width, height, unit]
        return args + _options(r, False)
    if op < 0.64:
        name = r.choice(["GEORADIUS", "GEORADIUS_RO"])
        return [name, k, *_coord(r, centre), *_distance(r)] + _options(r, False)
    if op < 0.72:
        name = r.choice(["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"])
        return [name, k, r.choice(members), *_distance(r)] + _options(r, False)
    if op < 0.80:
        form = r.random()
        # Now and then the searched set itself, which the result replaces.
        dest = k if r.random() < 0.04 else r.choice(["dst", "dst2"])
        if form < 0.4:
            args = ["GEOSEARCHSTORE", dest, k, "FROMLONLAT", *_coord(r, centre), "BYRADIUS",
                    *_distance(r)] + _options(r, True)
            return args + (["STOREDIST"] if r.random() < 0.4 else [])
        if form < 0.7:
            return (["GEORADIUS", k, *_coord(r, centre), *_distance(r)] + _options(r, True)
                    + [r.choice(["STORE", "STOREDIST"]), dest])
        return (["GEORADIUSBYMEMBER", k, r.choice(members), *_distance(r)] + _options(r, True)
                + [r.choice(["STORE", "STOREDIST"]), dest])
    if op < 0.88:
        name = r.choice(["GEOPOS", "GEOHASH", "GEODIST"])
        if name == "GEODIST":
            return [name, k, r.choice(members), r.choice(members)] + (
                [r.choice(UNITS)] if r.random() < 0.6 else [])
        return [name, k] + r.sample(members, r.choice([1, 3]))
    if op < 0.92:
        return ["ZREM", k] + r.sample(members, 3)
    if op < 0.955:
        return ["ZRANGE", r.choice(["dst", "dst2"]), "0", "-1", "WITHSCORES"]
    if op < 0.96:
        return ["DEL", k]
    if op < 0.97:
        return ["ZADD", k, str(r.choice([-1, 0.5, 1e300, 3e15])), r.choice(members)]
    return ["ZRANGE", k, "0", "-1", "WITHSCORES"]


@pytest.mark.redoubt_timeout(300)
@pytest.mark.parametrize("entries", ["128", "8"], ids=["entries128", "entries8"])
def test_random_geo_sequence(d, entries):
    """Fixed-seed GEOADD/GEOSEARCH/GEORADIUS/... over three sorted sets of up to 250 points; with
    8 entries at most in a listpack the sets become skiplists early. Compared exactly,
    including the order of unsorted results."""
    seed = RANDOM_SEED + int(entries)
    r = random.Random(seed)
    keys = ["g0", "g1", "g2"]
    members = [f"m{i}" for i in range(250)]
    d.check("CONFIG", "SET", "zset-max-listpack-entries", entries)
    try:
        for step in range(RANDOM_STEPS):
            d.context = f"(seed {seed}, step {step}) "
            _check(d, _random_command(r, keys, members))
            if step % 500 == 499:
                for k in keys:
                    d.check("ZRANGE", k, "0", "-1", "WITHSCORES")
    finally:
        d.check("CONFIG", "SET", "zset-max-listpack-entries", "128")


def test_random_geo_sequence_resp3(d3):
    """A shorter run in RESP3, where coordinates are doubles."""
    seed = RANDOM_SEED + 2020
    r = random.Random(seed)
    keys = ["g0", "g1"]
    members = [f"m{i}" for i in range(60)]
    for step in range(RANDOM_STEPS // 3):
        d3.context = f"(seed {seed}, step {step}) "
        _check(d3, _random_command(r, keys, members))
