"""The fixed material synthetic records are drawn from: geography, names, companies, phrasing.

Real geography (Kazakhstan's regions, partner countries, provinces, cities) keeps the records
looking like ours; people and companies are invented from name parts, so that no real
person or company is credited with a meeting or an agreement. Russian forms are given in the
cases the generated sentences need, so that quotes read as real press-release Russian.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """A region of Kazakhstan whose akim makes the trips."""

    slug: str
    ru: str  # nominative
    ru_gen: str  # genitive: "Аким Мангистауской области"
    en: str
    kk: str


@dataclass(frozen=True)
class Province:
    slug: str
    ru: str  # nominative, as a name: "Провинция Хубэй"
    ru_gen: str  # "провинции Хубэй"
    ru_paren: str  # as the press release writes it after a city: "провинция Хубэй"
    en: str
    kk: str
    cities: tuple[tuple[str, str, str, str | None], ...]  # slug, ru, en, kk


@dataclass(frozen=True)
class Country:
    slug: str
    ru: str
    ru_acc: str  # "поездку в Китай"
    ru_prep: str  # "посольства РК в Китае"
    en: str
    kk: str
    names: str  # key of PEOPLE
    company_stems: tuple[str, ...]
    company_forms: tuple[str, ...]
    provinces: tuple[Province, ...]


HOME = ("kazakhstan", "Республика Казахстан", "Republic of Kazakhstan", "Қазақстан Республикасы")

REGIONS = tuple(
    Region(*row)
    for row in (
        (
            "mangystau-region",
            "Мангистауская область",
            "Мангистауской области",
            "Mangystau Region",
            "Маңғыстау облысы",
        ),
        ("atyrau-region", "Атырауская область", "Атырауской области", "Atyrau Region", "Атырау облысы"),
        ("aktobe-region", "Актюбинская область", "Актюбинской области", "Aktobe Region", "Ақтөбе облысы"),
        (
            "west-kazakhstan-region",
            "Западно-Казахстанская область",
            "Западно-Казахстанской области",
            "West Kazakhstan Region",
            "Батыс Қазақстан облысы",
        ),
        (
            "kostanay-region",
            "Костанайская область",
            "Костанайской области",
            "Kostanay Region",
            "Қостанай облысы",
        ),
        (
            "north-kazakhstan-region",
            "Северо-Казахстанская область",
            "Северо-Казахстанской области",
            "North Kazakhstan Region",
            "Солтүстік Қазақстан облысы",
        ),
        ("akmola-region", "Акмолинская область", "Акмолинской области", "Akmola Region", "Ақмола облысы"),
        (
            "pavlodar-region",
            "Павлодарская область",
            "Павлодарской области",
            "Pavlodar Region",
            "Павлодар облысы",
        ),
        (
            "karaganda-region",
            "Карагандинская область",
            "Карагандинской области",
            "Karaganda Region",
            "Қарағанды облысы",
        ),
        (
            "east-kazakhstan-region",
            "Восточно-Казахстанская область",
            "Восточно-Казахстанской области",
            "East Kazakhstan Region",
            "Шығыс Қазақстан облысы",
        ),
        ("almaty-region", "Алматинская область", "Алматинской области", "Almaty Region", "Алматы облысы"),
        ("jambyl-region", "Жамбылская область", "Жамбылской области", "Jambyl Region", "Жамбыл облысы"),
        (
            "turkistan-region",
            "Туркестанская область",
            "Туркестанской области",
            "Turkistan Region",
            "Түркістан облысы",
        ),
        (
            "kyzylorda-region",
            "Кызылординская область",
            "Кызылординской области",
            "Kyzylorda Region",
            "Қызылорда облысы",
        ),
        ("abai-region", "Абайская область", "Абайской области", "Abai Region", "Абай облысы"),
        ("jetisu-region", "Жетысуская область", "Жетысуской области", "Jetisu Region", "Жетісу облысы"),
        ("ulytau-region", "Улытауская область", "Улытауской области", "Ulytau Region", "Ұлытау облысы"),
    )
)


def _province(slug, ru, ru_gen, ru_paren, en, kk, *cities) -> Province:
    return Province(slug, ru, ru_gen, ru_paren, en, kk, tuple(cities))


COUNTRIES = (
    Country(
        "china",
        "Китайская Народная Республика",
        "Китай",
        "КНР",
        "People's Republic of China",
        "Қытай Халық Республикасы",
        "chinese",
        (
            "Zhongxin",
            "Huaxia",
            "Tianhe",
            "Jinlong",
            "Hengtai",
            "Xinyuan",
            "Dongfang",
            "Changjiang",
            "Haixing",
        ),
        ("Co., Ltd.", "Group Co., Ltd.", "Corporation"),
        (
            _province(
                "hubei",
                "Провинция Хубэй",
                "провинции Хубэй",
                "провинция Хубэй",
                "Hubei Province",
                "Хубэй провинциясы",
                ("wuhan", "Ухань", "Wuhan", "Ухань"),
                ("yichang", "Ичан", "Yichang", None),
            ),
            _province(
                "jiangsu",
                "Провинция Цзянсу",
                "провинции Цзянсу",
                "провинция Цзянсу",
                "Jiangsu Province",
                "Цзянсу провинциясы",
                ("nanjing", "Нанкин", "Nanjing", "Нанкин"),
                ("suzhou", "Сучжоу", "Suzhou", None),
            ),
            _province(
                "guangdong",
                "Провинция Гуандун",
                "провинции Гуандун",
                "провинция Гуандун",
                "Guangdong Province",
                "Гуандун провинциясы",
                ("guangzhou", "Гуанчжоу", "Guangzhou", "Гуанчжоу"),
                ("shenzhen", "Шэньчжэнь", "Shenzhen", None),
            ),
            _province(
                "shandong",
                "Провинция Шаньдун",
                "провинции Шаньдун",
                "провинция Шаньдун",
                "Shandong Province",
                "Шаньдун провинциясы",
                ("qingdao", "Циндао", "Qingdao", "Циндао"),
                ("jinan", "Цзинань", "Jinan", None),
            ),
            _province(
                "xinjiang",
                "Синьцзян-Уйгурский автономный район",
                "Синьцзян-Уйгурского автономного района",
                "Синьцзян-Уйгурский автономный район",
                "Xinjiang Uyghur Autonomous Region",
                "Шыңжаң Ұйғыр автономиялық ауданы",
                ("urumqi", "Урумчи", "Urumqi", "Үрімші"),
                ("khorgos", "Хоргос", "Khorgas", "Қорғас"),
            ),
        ),
    ),
    Country(
        "turkey",
        "Турецкая Республика",
        "Турцию",
        "Турции",
        "Republic of Türkiye",
        "Түркия Республикасы",
        "turkish",
        ("Anadolu", "Marmara", "Ege", "Kapadokya", "Bosphorus", "Toros"),
        ("A.Ş.", "Holding A.Ş.", "Group"),
        (
            _province(
                "istanbul-province",
                "Ил Стамбул",
                "ила Стамбул",
                "ил Стамбул",
                "Istanbul Province",
                "Ыстамбұл ілі",
                ("istanbul", "Стамбул", "Istanbul", "Ыстамбұл"),
            ),
            _province(
                "ankara-province",
                "Ил Анкара",
                "ила Анкара",
                "ил Анкара",
                "Ankara Province",
                "Анкара ілі",
                ("ankara", "Анкара", "Ankara", "Анкара"),
            ),
            _province(
                "izmir-province",
                "Ил Измир",
                "ила Измир",
                "ил Измир",
                "İzmir Province",
                "Измир ілі",
                ("izmir", "Измир", "İzmir", None),
            ),
        ),
    ),
    Country(
        "south-korea",
        "Республика Корея",
        "Республику Корея",
        "Республике Корея",
        "Republic of Korea",
        "Корея Республикасы",
        "korean",
        ("Hanbit", "Daehan", "Seorin", "Mirae", "Hanul"),
        ("Co., Ltd.", "Corporation"),
        (
            _province(
                "gyeonggi",
                "Провинция Кёнгидо",
                "провинции Кёнгидо",
                "провинция Кёнгидо",
                "Gyeonggi Province",
                "Кёнгидо провинциясы",
                ("suwon", "Сувон", "Suwon", None),
                ("incheon", "Инчхон", "Incheon", None),
            ),
            _province(
                "south-gyeongsang",
                "Провинция Кёнсан-Намдо",
                "провинции Кёнсан-Намдо",
                "провинция Кёнсан-Намдо",
                "South Gyeongsang Province",
                "Оңтүстік Кёнсан провинциясы",
                ("changwon", "Чханвон", "Changwon", None),
            ),
        ),
    ),
    Country(
        "germany",
        "Федеративная Республика Германия",
        "Германию",
        "Германии",
        "Federal Republic of Germany",
        "Германия Федеративтік Республикасы",
        "german",
        ("Rheinwerk", "Nordhafen", "Alpentech", "Elbtal", "Hansetec"),
        ("GmbH", "AG"),
        (
            _province(
                "bavaria",
                "Земля Бавария",
                "земли Бавария",
                "земля Бавария",
                "Free State of Bavaria",
                "Бавария жері",
                ("munich", "Мюнхен", "Munich", "Мюнхен"),
                ("nuremberg", "Нюрнберг", "Nuremberg", None),
            ),
            _province(
                "hamburg-state",
                "Земля Гамбург",
                "земли Гамбург",
                "земля Гамбург",
                "Free and Hanseatic City of Hamburg",
                "Гамбург жері",
                ("hamburg", "Гамбург", "Hamburg", "Гамбург"),
            ),
        ),
    ),
    Country(
        "united-arab-emirates",
        "Объединенные Арабские Эмираты",
        "ОАЭ",
        "ОАЭ",
        "United Arab Emirates",
        "Біріккен Араб Әмірліктері",
        "arab",
        ("Al Noor", "Gulf Horizon", "Al Safa", "Desert Pearl"),
        ("LLC", "Holding"),
        (
            _province(
                "emirate-of-dubai",
                "Эмират Дубай",
                "эмирата Дубай",
                "эмират Дубай",
                "Emirate of Dubai",
                "Дубай әмірлігі",
                ("dubai", "Дубай", "Dubai", "Дубай"),
            ),
            _province(
                "emirate-of-abu-dhabi",
                "Эмират Абу-Даби",
                "эмирата Абу-Даби",
                "эмират Абу-Даби",
                "Emirate of Abu Dhabi",
                "Әбу-Даби әмірлігі",
                ("abu-dhabi", "Абу-Даби", "Abu Dhabi", "Әбу-Даби"),
            ),
        ),
    ),
    Country(
        "uzbekistan",
        "Республика Узбекистан",
        "Узбекистан",
        "Узбекистане",
        "Republic of Uzbekistan",
        "Өзбекстан Республикасы",
        "uzbek",
        ("Samarkand", "Turon", "Navoi", "Zarafshan", "Buxoro"),
        ("LLC", "JSC"),
        (
            _province(
                "samarkand-region",
                "Самаркандская область",
                "Самаркандской области",
                "Самаркандская область",
                "Samarkand Region",
                "Самарқанд облысы",
                ("samarkand", "Самарканд", "Samarkand", "Самарқанд"),
            ),
            _province(
                "tashkent-region",
                "Ташкентская область",
                "Ташкентской области",
                "Ташкентская область",
                "Tashkent Region",
                "Ташкент облысы",
                ("chirchiq", "Чирчик", "Chirchiq", None),
                ("angren", "Ангрен", "Angren", None),
            ),
        ),
    ),
    Country(
        "japan",
        "Япония",
        "Японию",
        "Японии",
        "Japan",
        "Жапония",
        "japanese",
        ("Sakura", "Fujimoto", "Hoshino", "Kaizen", "Minato"),
        ("Corporation", "Co., Ltd."),
        (
            _province(
                "osaka-prefecture",
                "Префектура Осака",
                "префектуры Осака",
                "префектура Осака",
                "Osaka Prefecture",
                "Осака префектурасы",
                ("osaka", "Осака", "Osaka", "Осака"),
                ("sakai", "Сакаи", "Sakai", None),
            ),
            _province(
                "aichi-prefecture",
                "Префектура Айти",
                "префектуры Айти",
                "префектура Айти",
                "Aichi Prefecture",
                "Айти префектурасы",
                ("nagoya", "Нагоя", "Nagoya", None),
            ),
        ),
    ),
    Country(
        "italy",
        "Итальянская Республика",
        "Италию",
        "Италии",
        "Italian Republic",
        "Италия Республикасы",
        "italian",
        ("Adriatica", "Lombarda", "Tirrenia", "Aurora", "Ventura"),
        ("S.p.A.", "S.r.l."),
        (
            _province(
                "lombardy",
                "Регион Ломбардия",
                "региона Ломбардия",
                "регион Ломбардия",
                "Lombardy",
                "Ломбардия өңірі",
                ("milan", "Милан", "Milan", "Милан"),
                ("bergamo", "Бергамо", "Bergamo", None),
            ),
        ),
    ),
)

#: Given names and surnames as (Russian, English) pairs; Kazakh people also get a Kazakh form.
PEOPLE: dict[str, tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]] = {
    "chinese": (
        tuple(
            zip(
                [
                    "Вэй",
                    "Мин",
                    "Цзин",
                    "Хун",
                    "Лэй",
                    "Тао",
                    "Юн",
                    "Цян",
                    "Хуэй",
                    "Цзюнь",
                    "Пин",
                    "Сюэ",
                    "Лян",
                    "Бо",
                    "Фэн",
                    "Янь",
                    "Хай",
                    "Кэ",
                    "Синь",
                    "Чэн",
                ],
                [
                    "Wei",
                    "Ming",
                    "Jing",
                    "Hong",
                    "Lei",
                    "Tao",
                    "Yong",
                    "Qiang",
                    "Hui",
                    "Jun",
                    "Ping",
                    "Xue",
                    "Liang",
                    "Bo",
                    "Feng",
                    "Yan",
                    "Hai",
                    "Ke",
                    "Xin",
                    "Cheng",
                ],
                strict=True,
            )
        ),
        tuple(
            zip(
                [
                    "Ли",
                    "Ван",
                    "Чжан",
                    "Лю",
                    "Чэнь",
                    "Ян",
                    "Чжао",
                    "Хуан",
                    "Чжоу",
                    "У",
                    "Сюй",
                    "Сунь",
                    "Ма",
                    "Чжу",
                    "Ху",
                    "Го",
                    "Хэ",
                    "Линь",
                    "Ло",
                    "Гао",
                ],
                [
                    "Li",
                    "Wang",
                    "Zhang",
                    "Liu",
                    "Chen",
                    "Yang",
                    "Zhao",
                    "Huang",
                    "Zhou",
                    "Wu",
                    "Xu",
                    "Sun",
                    "Ma",
                    "Zhu",
                    "Hu",
                    "Guo",
                    "He",
                    "Lin",
                    "Luo",
                    "Gao",
                ],
                strict=True,
            )
        ),
    ),
    "turkish": (
        (
            ("Мехмет", "Mehmet"),
            ("Ахмет", "Ahmet"),
            ("Мустафа", "Mustafa"),
            ("Эмре", "Emre"),
            ("Мурат", "Murat"),
        ),
        (("Йылмаз", "Yılmaz"), ("Кая", "Kaya"), ("Демир", "Demir"), ("Шахин", "Şahin"), ("Айдын", "Aydın")),
    ),
    "korean": (
        (("Мин Су", "Min-su"), ("Джи Хун", "Ji-hoon"), ("Со Ён", "So-yeon"), ("Хён У", "Hyun-woo")),
        (("Ким", "Kim"), ("Ли", "Lee"), ("Пак", "Park"), ("Чхве", "Choi"), ("Чон", "Jung")),
    ),
    "german": (
        (
            ("Томас", "Thomas"),
            ("Михаэль", "Michael"),
            ("Штефан", "Stefan"),
            ("Андреас", "Andreas"),
            ("Юлия", "Julia"),
        ),
        (
            ("Мюллер", "Müller"),
            ("Шмидт", "Schmidt"),
            ("Шнайдер", "Schneider"),
            ("Фишер", "Fischer"),
            ("Вебер", "Weber"),
        ),
    ),
    "arab": (
        (
            ("Мухаммед", "Mohammed"),
            ("Ахмед", "Ahmed"),
            ("Халид", "Khalid"),
            ("Саид", "Saeed"),
            ("Омар", "Omar"),
        ),
        (
            ("аль-Мансури", "Al Mansouri"),
            ("аль-Хашими", "Al Hashimi"),
            ("аль-Фаласи", "Al Falasi"),
            ("аль-Кетби", "Al Ketbi"),
        ),
    ),
    "uzbek": (
        (
            ("Шавкат", "Shavkat"),
            ("Жасур", "Jasur"),
            ("Бахтиёр", "Bakhtiyor"),
            ("Улугбек", "Ulugbek"),
            ("Дилшод", "Dilshod"),
        ),
        (
            ("Мирзаев", "Mirzayev"),
            ("Юсупов", "Yusupov"),
            ("Рахимов", "Rakhimov"),
            ("Каримов", "Karimov"),
            ("Султанов", "Sultanov"),
        ),
    ),
    "japanese": (
        (
            ("Хироси", "Hiroshi"),
            ("Такэси", "Takeshi"),
            ("Кэндзи", "Kenji"),
            ("Юки", "Yuki"),
            ("Акира", "Akira"),
        ),
        (
            ("Сато", "Sato"),
            ("Судзуки", "Suzuki"),
            ("Такахаси", "Takahashi"),
            ("Танака", "Tanaka"),
            ("Ито", "Ito"),
        ),
    ),
    "italian": (
        (
            ("Марко", "Marco"),
            ("Джузеппе", "Giuseppe"),
            ("Лука", "Luca"),
            ("Франческа", "Francesca"),
            ("Паоло", "Paolo"),
        ),
        (
            ("Росси", "Rossi"),
            ("Бьянки", "Bianchi"),
            ("Риччи", "Ricci"),
            ("Романо", "Romano"),
            ("Коста", "Costa"),
        ),
    ),
}

#: Kazakh officials: (Russian, English, Kazakh) given names and surnames.
KAZAKH_GIVEN = (
    ("Нурлан", "Nurlan", "Нұрлан"),
    ("Ерлан", "Yerlan", "Ерлан"),
    ("Серик", "Serik", "Серік"),
    ("Бауыржан", "Bauyrzhan", "Бауыржан"),
    ("Асхат", "Askhat", "Асхат"),
    ("Марат", "Marat", "Марат"),
    ("Данияр", "Daniyar", "Данияр"),
    ("Кайрат", "Kairat", "Қайрат"),
    ("Талгат", "Talgat", "Талғат"),
    ("Галым", "Galym", "Ғалым"),
    ("Даурен", "Dauren", "Дәурен"),
    ("Нурболат", "Nurbolat", "Нұрболат"),
)
KAZAKH_SURNAMES = (
    ("Сапаров", "Saparov", "Сапаров"),
    ("Ахметов", "Akhmetov", "Ахметов"),
    ("Жумабаев", "Zhumabayev", "Жұмабаев"),
    ("Нургалиев", "Nurgaliyev", "Нұрғалиев"),
    ("Касымов", "Kassymov", "Қасымов"),
    ("Бекмуратов", "Bekmuratov", "Бекмұратов"),
    ("Оспанов", "Ospanov", "Оспанов"),
    ("Тулеуов", "Tuleuov", "Төлеуов"),
    ("Есенов", "Yessenov", "Есенов"),
    ("Кенжебеков", "Kenzhebekov", "Кенжебеков"),
)


@dataclass(frozen=True)
class Industry:
    """What a company does, and the topics (of ontology/topics.ttl) its meetings are about."""

    en: str
    topics: tuple[str, ...]


INDUSTRIES = (
    Industry("Energy", ("investment-projects",)),
    Industry("Logistics", ("transport-and-logistics-infrastructure",)),
    Industry("Port Services", ("seaport-construction", "transport-and-logistics-infrastructure")),
    Industry("Agro", ("investment-projects",)),
    Industry("Aquaculture", ("aquaculture",)),
    Industry("Machinery", ("special-vehicle-manufacturing",)),
    Industry("Automotive", ("special-vehicle-manufacturing", "investment-projects")),
    Industry("Digital Technologies", ("digitalisation", "smart-solutions", "digital-infrastructure")),
    Industry("Telecom", ("digital-infrastructure",)),
    Industry("Tourism Group", ("tourism",)),
)

#: Topic slug -> what "the sides discussed" (Russian, accusative).
TOPIC_PHRASES = {
    "investment-projects": "ход реализации инвестиционных проектов в регионе",
    "aquaculture": "развитие аквакультуры и рыбоводства",
    "tourism": "продвижение туристского потенциала региона",
    "digitalisation": "сотрудничество в сфере цифровизации",
    "smart-solutions": "внедрение «умных» решений",
    "digital-infrastructure": "развитие цифровой инфраструктуры",
    "special-vehicle-manufacturing": "создание производства специальной техники",
    "transport-and-logistics-infrastructure": "развитие транспортно-логистической инфраструктуры",
    "seaport-construction": "строительство морского порта",
}

#: Agreement kind slug (ontology/agreement-kinds.ttl) -> (Russian, English) as in a sentence.
KINDS = {
    "memorandum-of-cooperation": ("меморандум о сотрудничестве", "memorandum of cooperation"),
    "protocol-of-intent": ("протокол о намерениях", "protocol of intent"),
    "protocol-on-strategic-cooperation": (
        "протокол о стратегическом сотрудничестве",
        "protocol on strategic cooperation",
    ),
}

#: Role slug (ontology/roles.ttl) -> (Russian, English) job title.
ROLES = {
    "chairman": ("председатель", "chairman"),
    "chairman-of-the-board": ("председатель правления", "chairman of the management board"),
    "general-director": ("генеральный директор", "general director"),
    "deputy-general-director": ("заместитель генерального директора", "deputy general director"),
    "vice-president": ("вице-президент", "vice-president"),
}
