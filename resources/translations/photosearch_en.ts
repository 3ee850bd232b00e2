<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>photosearch::LibrarySession</name>
    <message numerus="yes">
        <location filename="../../ui/library_session.cpp" line="118"/>
        <source>%n photo(s) indexed</source>
        <translation>
            <numerusform>%n photo indexed</numerusform>
            <numerusform>%n photos indexed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/library_session.cpp" line="119"/>
        <source>%n moved</source>
        <translation>
            <numerusform>%n moved</numerusform>
            <numerusform>%n moved</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/library_session.cpp" line="120"/>
        <source>%n removed</source>
        <translation>
            <numerusform>%n removed</numerusform>
            <numerusform>%n removed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/library_session.cpp" line="121"/>
        <source>%n new problem(s)</source>
        <translation>
            <numerusform>%n new problem</numerusform>
            <numerusform>%n new problems</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>photosearch::MainWindow</name>
    <message numerus="yes">
        <location filename="../../ui/main_window_panels.cpp" line="283"/>
        <source>%n photo(s) searchable</source>
        <translation>
            <numerusform>%n photo searchable</numerusform>
            <numerusform>%n photos searchable</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window_panels.cpp" line="284"/>
        <source> · %n offline</source>
        <translation>
            <numerusform> · %n offline</numerusform>
            <numerusform> · %n offline</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window_panels.cpp" line="286"/>
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window_results.cpp" line="98"/>
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n photo</numerusform>
            <numerusform>%n photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window_results.cpp" line="101"/>
        <source>%n good match(es)</source>
        <translation>
            <numerusform>%n good match</numerusform>
            <numerusform>%n good matches</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window_results.cpp" line="102"/>
        <source>, %n more</source>
        <translation>
            <numerusform>, %n more</numerusform>
            <numerusform>, %n more</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window_results.cpp" line="104"/>
        <source>No photo stands out; %n photo(s), closest first</source>
        <translation>
            <numerusform>No photo stands out; %n photo, closest first</numerusform>
            <numerusform>No photo stands out; %n photos, closest first</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window_photos.cpp" line="56"/>
        <source>Tagged %n photo(s) “%1”.</source>
        <translation>
            <numerusform>Tagged %n photo “%1”.</numerusform>
            <numerusform>Tagged %n photos “%1”.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window_photos.cpp" line="57"/>
        <source>Took “%1” off %n photo(s).</source>
        <translation>
            <numerusform>Took “%1” off %n photo.</numerusform>
            <numerusform>Took “%1” off %n photos.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/main_window_photos.cpp" line="87"/>
        <source>Add tag to %n photo(s)...</source>
        <translation>
            <numerusform>Add tag to %n photo...</numerusform>
            <numerusform>Add tag to %n photos...</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>photosearch::TagDialog</name>
    <message numerus="yes">
        <source>%n photo(s). Apply to store the tags; they become filters.</source>
        <translation type="vanished">
            <numerusform>%n photo. Apply to store the tags; they become filters.</numerusform>
            <numerusform>%n photos. Apply to store the tags; they become filters.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/tag_dialog.cpp" line="197"/>
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n photo</numerusform>
            <numerusform>%n photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/tag_dialog.cpp" line="200"/>
        <source>; %n left untagged (no label is %1% sure)</source>
        <translation>
            <numerusform>; %n left untagged (no label is %1% sure)</numerusform>
            <numerusform>; %n left untagged (no label is %1% sure)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>photosearch::TagManager</name>
    <message numerus="yes">
        <location filename="../../ui/tag_manager.cpp" line="61"/>
        <source>%1 (%n photo(s))</source>
        <translation>
            <numerusform>%1 (%n photo)</numerusform>
            <numerusform>%1 (%n photos)</numerusform>
        </translation>
    </message>
</context>
</TS>
