"""The twelve regions of Morocco (2015 division): the catalogue new tenants are picked from."""

REGIONS = {
    "tanger-tetouan-al-hoceima": "Tanger-Tétouan-Al Hoceima",
    "oriental": "L'Oriental",
    "fes-meknes": "Fès-Meknès",
    "rabat-sale-kenitra": "Rabat-Salé-Kénitra",
    "beni-mellal-khenifra": "Béni Mellal-Khénifra",
    "casablanca-settat": "Casablanca-Settat",
    "marrakech-safi": "Marrakech-Safi",
    "draa-tafilalet": "Drâa-Tafilalet",
    "souss-massa": "Souss-Massa",
    "guelmim-oued-noun": "Guelmim-Oued Noun",
    "laayoune-sakia-el-hamra": "Laâyoune-Sakia El Hamra",
    "dakhla-oued-ed-dahab": "Dakhla-Oued Ed-Dahab",
}
