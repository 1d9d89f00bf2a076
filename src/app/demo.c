/* demo.c — a deterministic, realistic synthetic population (demo.h).
 *
 * Each person is a small story told in dates.  Registration gives facts (age weighted to working
 * age, names of varied origins, veteran status, barriers).  A reportable individual only used the
 * resource room.  A participant is in one exit group or several: the job-center programs (WP plus
 * ADULT, DW, YOUTH, TAA, NDWG, JVSG) share one period of participation, each partner program
 * (AEL, VR, SNAP_ET, TANF, REFUGEE) has its own.  Every period is laid out as: eligibility, entry
 * services, a walk of services no further apart than a third of the exit clock (so a period never
 * splits by accident), perhaps a training span and a planned gap, and then one of five endings as
 * of the date: exited, the 90-day clock running, held by an open service, held by a scheduled
 * future service, or held by a planned gap.  Case notes and contacts are written last, from the
 * services in date order.
 *
 * Proportions are tuning constants of this generator, in basis points (1/100 of a percent); the
 * policy numbers the stories must respect (the exit clock, gap lengths) come from struct policy. */
#include "app/demo.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"

/* Two program years of history end at the as-of date. */
#define HISTORY_DAYS 730

/* A demo person's programs, by role; demo_new() maps each to its catalog index once. */
enum role {
    R_WP,
    R_ADULT,
    R_DW,
    R_YOUTH,
    R_TAA,
    R_NDWG,
    R_JVSG,
    R_AEL,
    R_VR,
    R_SNAP_ET,
    R_TANF,
    R_REFUGEE,
    R_COUNT,
};

static const char *const role_codes[R_COUNT] = {
    [R_WP] = "WP",   [R_ADULT] = "ADULT",     [R_DW] = "DW",     [R_YOUTH] = "YOUTH",
    [R_TAA] = "TAA", [R_NDWG] = "NDWG",       [R_JVSG] = "JVSG", [R_AEL] = "AEL",
    [R_VR] = "VR",   [R_SNAP_ET] = "SNAP_ET", [R_TANF] = "TANF", [R_REFUGEE] = "REFUGEE",
};

/* The job-center programs: one period of participation together (RULES.md §4, the default
 * catalog's common exit), and every one of them needs WP (RULES.md §6 WP_FOR_STAFF_ASSISTED).
 * A catalog that groups programs differently still gets valid records, only other periods. */
static bool
role_job_center(int role)
{
    return role <= R_JVSG;
}

enum svc {
    S_SELF_SERVICE,
    S_ORIENTATION,
    S_ELIGIBILITY,
    S_LMI,
    S_REFERRAL,
    S_WORKSHOP,
    S_INITIAL_ASSESSMENT,
    S_STAFF_JOB_SEARCH,
    S_JOB_REFERRAL,
    S_CAREER_COUNSELING,
    S_OBJECTIVE_ASSESSMENT,
    S_PLAN_DEVELOPMENT,
    S_CASE_MANAGEMENT,
    S_PREVOCATIONAL,
    S_WORK_EXPERIENCE,
    S_TUTORING,
    S_OCCUPATIONAL_TRAINING,
    S_OJT,
    S_APPRENTICESHIP,
    S_ADULT_EDUCATION,
    S_SUPPORTIVE,
    S_CHECK_IN,
    S_FOLLOW_UP,
    S_COUNT,
};

static const char *const svc_codes[S_COUNT] = {
    [S_SELF_SERVICE] = "SELF_SERVICE",
    [S_ORIENTATION] = "ORIENTATION",
    [S_ELIGIBILITY] = "ELIGIBILITY",
    [S_LMI] = "LMI",
    [S_REFERRAL] = "REFERRAL",
    [S_WORKSHOP] = "WORKSHOP",
    [S_INITIAL_ASSESSMENT] = "INITIAL_ASSESSMENT",
    [S_STAFF_JOB_SEARCH] = "STAFF_JOB_SEARCH",
    [S_JOB_REFERRAL] = "JOB_REFERRAL",
    [S_CAREER_COUNSELING] = "CAREER_COUNSELING",
    [S_OBJECTIVE_ASSESSMENT] = "OBJECTIVE_ASSESSMENT",
    [S_PLAN_DEVELOPMENT] = "PLAN_DEVELOPMENT",
    [S_CASE_MANAGEMENT] = "CASE_MANAGEMENT",
    [S_PREVOCATIONAL] = "PREVOCATIONAL",
    [S_WORK_EXPERIENCE] = "WORK_EXPERIENCE",
    [S_TUTORING] = "TUTORING",
    [S_OCCUPATIONAL_TRAINING] = "OCCUPATIONAL_TRAINING",
    [S_OJT] = "OJT",
    [S_APPRENTICESHIP] = "APPRENTICESHIP",
    [S_ADULT_EDUCATION] = "ADULT_EDUCATION",
    [S_SUPPORTIVE] = "SUPPORTIVE",
    [S_CHECK_IN] = "CHECK_IN",
    [S_FOLLOW_UP] = "FOLLOW_UP",
};

/* ---- Proportions (basis points) ---------------------------------------------------------- */

#define BP 10000

#define P_PARTICIPANT 8650 /* the rest are reportable individuals only */
#define P_JOB_CENTER 8500  /* of participants: served at the job center (so in WP) */
#define P_SSN 9000
#define P_VETERAN 600
#define P_SPOUSE 150      /* eligible spouse of a veteran */
#define P_LOW_INCOME 2900 /* before the programs that imply it */
#define P_PUBLIC_ASSISTANCE 1150
#define P_BASIC_SKILLS 1050
#define P_ENGLISH_LEARNER 520
#define P_DISABILITY 750
#define P_OFFENDER 700
#define P_HOMELESS 300
#define P_FOSTER_YOUTH 500 /* of people aged 24 or under */
#define P_PARENTING_YOUTH 1200
#define P_UNASKED 5000 /* reportable individuals: a sensitive fact never asked */

/* Programs of job-center participants, conditional on being able to enter them. */
#define P_ADULT 4300
#define P_ADULT_YOUTH_AGE 1200
#define P_YOUTH 7000 /* of youth-aged job-center participants */
#define P_DW 1500
#define P_TAA_OF_DW 800
#define P_NDWG_OF_DW 800
#define P_JVSG_OF_VETERANS 7500
/* Partner programs: the share a job-center participant also has; partner-only participants pick
 * one by the same weights (and a second one sometimes), which brings each to its target share. */
#define P_SECOND_PARTNER 1200
static const int partner_weight[R_COUNT] = {
    [R_AEL] = 1200, [R_VR] = 400, [R_SNAP_ET] = 600, [R_TANF] = 500, [R_REFUGEE] = 100,
};
#define PARTNER_JOB_CENTER_SCALE 55 /* percent of the weight, for job-center participants */

/* How the latest period of the primary exit group stands as of the date. */
enum ending {
    END_EXITED,
    END_CLOCK,  /* ended services, clock running: 1..90 days left */
    END_OPEN,   /* an open service (training, work experience) holds the group */
    END_FUTURE, /* a scheduled future service holds the group */
    END_GAP,    /* a planned gap holds the group */
};
static const int ending_weight[] = {
    [END_EXITED] = 5900, [END_CLOCK] = 2500, [END_OPEN] = 1200, [END_FUTURE] = 320, [END_GAP] = 80,
};
#define P_SECONDARY_ACTIVE 5000 /* an active person's other groups: still active too */
#define P_SECOND_PERIOD 900
#define P_MID_GAP 120      /* a planned gap inside the latest period */
#define P_CHAINED_GAP 2000 /* of those: two consecutive gaps */

/* Training per program (when the program is in the period). */
static const int training_chance[R_COUNT] = {
    [R_ADULT] = 4500, [R_DW] = 5000,  [R_YOUTH] = 3500,   [R_TAA] = 8000,     [R_NDWG] = 6000,
    [R_VR] = 3000,    [R_AEL] = 9000, [R_SNAP_ET] = 4000, [R_REFUGEE] = 4000,
};
#define P_TRAINING_DROPPED 1500 /* ends before its projected end */
#define P_STALE 380             /* of trainings whose projected end has passed: never closed */

#define P_NOTE 9500 /* a service has its case note */
#define P_ORIENTATION 6000
#define P_SELF_SERVICE_FIRST 4000
#define P_PARTNER_REFERRAL 5000
#define P_FOLLOW_UP_TITLE_I 7000
#define P_FOLLOW_UP_OTHER 2500
#define P_TRAINING_CHECK_IN 6000
#define P_SUPPORTIVE_AT_TRAINING 5000
#define P_CONFIDENTIAL 300

/* Relative weight of each program when the walk picks who serves the person next. */
static const int role_walk_weight[R_COUNT] = {
    [R_WP] = 4,   [R_ADULT] = 5, [R_DW] = 5, [R_YOUTH] = 6,   [R_TAA] = 3,  [R_NDWG] = 3,
    [R_JVSG] = 4, [R_AEL] = 5,   [R_VR] = 5, [R_SNAP_ET] = 4, [R_TANF] = 5, [R_REFUGEE] = 4,
};

/* What each program provides on the walk, with weights. */
struct menu_item {
    enum svc svc;
    int weight;
};

struct menu {
    const struct menu_item *items;
    size_t n;
    enum svc entry;      /* the first triggering service (YOUTH: the objective assessment) */
    enum svc qualifying; /* what is recorded when the clock needs a qualifying service */
};

static const struct menu_item wp_menu[] = {
    {S_STAFF_JOB_SEARCH, 30}, {S_JOB_REFERRAL, 20}, {S_CAREER_COUNSELING, 12},
    {S_WORKSHOP, 12},         {S_LMI, 6},           {S_SELF_SERVICE, 10},
    {S_REFERRAL, 4},
};
static const struct menu_item title_i_menu[] = {
    {S_CASE_MANAGEMENT, 30}, {S_CAREER_COUNSELING, 10}, {S_PLAN_DEVELOPMENT, 6},
    {S_PREVOCATIONAL, 8},    {S_WORK_EXPERIENCE, 4},    {S_SUPPORTIVE, 10},
    {S_CHECK_IN, 10},        {S_JOB_REFERRAL, 6},
};
static const struct menu_item youth_menu[] = {
    {S_CASE_MANAGEMENT, 20}, {S_TUTORING, 20}, {S_WORK_EXPERIENCE, 10}, {S_PLAN_DEVELOPMENT, 5},
    {S_SUPPORTIVE, 10},      {S_CHECK_IN, 15}, {S_PREVOCATIONAL, 5},    {S_CAREER_COUNSELING, 5},
};
static const struct menu_item taa_menu[] = {
    {S_CASE_MANAGEMENT, 40},
    {S_CAREER_COUNSELING, 10},
    {S_SUPPORTIVE, 15},
    {S_CHECK_IN, 10},
};
static const struct menu_item jvsg_menu[] = {
    {S_CASE_MANAGEMENT, 30},
    {S_CAREER_COUNSELING, 20},
    {S_JOB_REFERRAL, 15},
    {S_PLAN_DEVELOPMENT, 5},
};
static const struct menu_item ael_menu[] = {
    {S_TUTORING, 20},
    {S_CASE_MANAGEMENT, 10},
    {S_CHECK_IN, 10},
};
static const struct menu_item vr_menu[] = {
    {S_CASE_MANAGEMENT, 30}, {S_CAREER_COUNSELING, 15}, {S_PLAN_DEVELOPMENT, 5},
    {S_WORK_EXPERIENCE, 5},  {S_SUPPORTIVE, 10},        {S_CHECK_IN, 10},
};
static const struct menu_item snap_menu[] = {
    {S_CASE_MANAGEMENT, 25}, {S_STAFF_JOB_SEARCH, 15}, {S_WORK_EXPERIENCE, 5},
    {S_SUPPORTIVE, 10},      {S_CHECK_IN, 15},         {S_WORKSHOP, 5},
};
static const struct menu_item tanf_menu[] = {
    {S_CASE_MANAGEMENT, 25}, {S_STAFF_JOB_SEARCH, 15}, {S_WORK_EXPERIENCE, 8},
    {S_SUPPORTIVE, 15},      {S_CHECK_IN, 15},
};
static const struct menu_item refugee_menu[] = {
    {S_CASE_MANAGEMENT, 25}, {S_STAFF_JOB_SEARCH, 10}, {S_JOB_REFERRAL, 10},
    {S_SUPPORTIVE, 10},      {S_CHECK_IN, 5},
};

#define MENU(items, entry, qualifying)                                                             \
    {                                                                                              \
        items, sizeof(items) / sizeof(items[0]), entry, qualifying                                 \
    }

static const struct menu menus[R_COUNT] = {
    [R_WP] = MENU(wp_menu, S_INITIAL_ASSESSMENT, S_STAFF_JOB_SEARCH),
    [R_ADULT] = MENU(title_i_menu, S_OBJECTIVE_ASSESSMENT, S_CASE_MANAGEMENT),
    [R_DW] = MENU(title_i_menu, S_OBJECTIVE_ASSESSMENT, S_CASE_MANAGEMENT),
    [R_YOUTH] = MENU(youth_menu, S_OBJECTIVE_ASSESSMENT, S_CASE_MANAGEMENT),
    [R_TAA] = MENU(taa_menu, S_CASE_MANAGEMENT, S_CASE_MANAGEMENT),
    [R_NDWG] = MENU(taa_menu, S_CASE_MANAGEMENT, S_CASE_MANAGEMENT),
    [R_JVSG] = MENU(jvsg_menu, S_OBJECTIVE_ASSESSMENT, S_CASE_MANAGEMENT),
    [R_AEL] = MENU(ael_menu, S_INITIAL_ASSESSMENT, S_TUTORING),
    [R_VR] = MENU(vr_menu, S_INITIAL_ASSESSMENT, S_CASE_MANAGEMENT),
    [R_SNAP_ET] = MENU(snap_menu, S_CASE_MANAGEMENT, S_CASE_MANAGEMENT),
    [R_TANF] = MENU(tanf_menu, S_CASE_MANAGEMENT, S_CASE_MANAGEMENT),
    [R_REFUGEE] = MENU(refugee_menu, S_CASE_MANAGEMENT, S_CASE_MANAGEMENT),
};

/* ---- Names ------------------------------------------------------------------------------- */

/* A few hundred common US given names and surnames of varied origins (English, Spanish, African
 * American, Irish, German, Italian, Polish, Ukrainian, Vietnamese, Chinese, Korean, Filipino,
 * Indian, Arabic, Somali, Navajo, Hawaiian ...), so a demo caseload looks like a job center's. */
static const char *const demo_female_names[] = {
    "Mary",      "Patricia",  "Jennifer", "Linda",     "Elizabeth",  "Barbara",   "Susan",
    "Jessica",   "Sarah",     "Karen",    "Lisa",      "Nancy",      "Betty",     "Sandra",
    "Margaret",  "Ashley",    "Kimberly", "Emily",     "Donna",      "Michelle",  "Carol",
    "Amanda",    "Melissa",   "Deborah",  "Stephanie", "Dorothy",    "Rebecca",   "Sharon",
    "Laura",     "Cynthia",   "Amy",      "Kathleen",  "Angela",     "Shirley",   "Brenda",
    "Emma",      "Anna",      "Pamela",   "Nicole",    "Samantha",   "Katherine", "Christine",
    "Debra",     "Rachel",    "Carolyn",  "Janet",     "Maria",      "Olivia",    "Heather",
    "Helen",     "Catherine", "Diane",    "Julie",     "Victoria",   "Joyce",     "Lauren",
    "Kelly",     "Christina", "Ruth",     "Joan",      "Virginia",   "Judith",    "Evelyn",
    "Hannah",    "Andrea",    "Megan",    "Cheryl",    "Jacqueline", "Madison",   "Teresa",
    "Abigail",   "Sophia",    "Martha",   "Sara",      "Gloria",     "Janice",    "Kathryn",
    "Ann",       "Isabella",  "Judy",     "Charlotte", "Julia",      "Grace",     "Amber",
    "Alice",     "Jean",      "Denise",   "Frances",   "Danielle",   "Marilyn",   "Natalie",
    "Guadalupe", "Rosa",      "Ana",      "Carmen",    "Sofia",      "Valentina", "Ximena",
    "Yesenia",   "Alejandra", "Lucia",    "Camila",    "Jasmine",    "Aaliyah",   "Imani",
    "Keisha",    "Latoya",    "Ebony",    "Tamika",    "Shanice",    "Mei",       "Ling",
    "Xiu",       "Linh",      "Thuy",     "Hoa",       "Ji-woo",     "Min-seo",   "Priya",
    "Ananya",    "Deepa",     "Fatima",   "Aisha",     "Layla",      "Noor",      "Hodan",
    "Amina",     "Nizhoni",   "Malia",    "Leilani",   "Maricel",    "Rowena",    "Svetlana",
    "Olena",     "Agnieszka", "Siobhan",  "Bridget",   "Giulia",     "Francesca", "Ingrid",
};
static const char *const demo_male_names[] = {
    "James",     "Robert",    "John",        "Michael",  "David",    "William",  "Richard",
    "Joseph",    "Thomas",    "Christopher", "Charles",  "Daniel",   "Matthew",  "Anthony",
    "Mark",      "Donald",    "Steven",      "Andrew",   "Paul",     "Joshua",   "Kenneth",
    "Kevin",     "Brian",     "George",      "Timothy",  "Ronald",   "Jason",    "Edward",
    "Jeffrey",   "Ryan",      "Jacob",       "Gary",     "Nicholas", "Eric",     "Jonathan",
    "Stephen",   "Larry",     "Justin",      "Scott",    "Brandon",  "Benjamin", "Samuel",
    "Gregory",   "Alexander", "Patrick",     "Frank",    "Raymond",  "Jack",     "Dennis",
    "Jerry",     "Tyler",     "Aaron",       "Henry",    "Adam",     "Douglas",  "Nathan",
    "Peter",     "Zachary",   "Kyle",        "Noah",     "Ethan",    "Jeremy",   "Walter",
    "Christian", "Keith",     "Roger",       "Terry",    "Austin",   "Sean",     "Gerald",
    "Carl",      "Harold",    "Dylan",       "Arthur",   "Lawrence", "Jordan",   "Jesse",
    "Bryan",     "Billy",     "Bruce",       "Gabriel",  "Logan",    "Albert",   "Willie",
    "Jose",      "Juan",      "Luis",        "Carlos",   "Jesus",    "Miguel",   "Alejandro",
    "Francisco", "Javier",    "Mateo",       "Diego",    "Santiago", "Rafael",   "Hector",
    "DeShawn",   "Jamal",     "Darnell",     "Tyrone",   "Malik",    "Terrell",  "Andre",
    "Wei",       "Jun",       "Hao",         "Minh",     "Tuan",     "Duc",      "Min-jun",
    "Seo-jun",   "Arjun",     "Rahul",       "Vikram",   "Sanjay",   "Mohammed", "Ahmed",
    "Omar",      "Yusuf",     "Abdi",        "Mustafa",  "Hassan",   "Kai",      "Keoni",
    "Tokala",    "Dakota",    "Jericho",     "Rodel",    "Dmitri",   "Andriy",   "Piotr",
    "Tomasz",    "Liam",      "Declan",      "Giuseppe", "Marco",    "Klaus",    "Lars",
};
static const char *const demo_last_names[] = {
    "Smith",      "Johnson",   "Williams",   "Brown",     "Jones",      "Garcia",     "Miller",
    "Davis",      "Rodriguez", "Martinez",   "Hernandez", "Lopez",      "Gonzalez",   "Wilson",
    "Anderson",   "Thomas",    "Taylor",     "Moore",     "Jackson",    "Martin",     "Lee",
    "Perez",      "Thompson",  "White",      "Harris",    "Sanchez",    "Clark",      "Ramirez",
    "Lewis",      "Robinson",  "Walker",     "Young",     "Allen",      "King",       "Wright",
    "Scott",      "Torres",    "Nguyen",     "Hill",      "Flores",     "Green",      "Adams",
    "Nelson",     "Baker",     "Hall",       "Rivera",    "Campbell",   "Mitchell",   "Carter",
    "Roberts",    "Gomez",     "Phillips",   "Evans",     "Turner",     "Diaz",       "Parker",
    "Cruz",       "Edwards",   "Collins",    "Reyes",     "Stewart",    "Morris",     "Morales",
    "Murphy",     "Cook",      "Rogers",     "Gutierrez", "Ortiz",      "Morgan",     "Cooper",
    "Peterson",   "Bailey",    "Reed",       "Kelly",     "Howard",     "Ramos",      "Kim",
    "Cox",        "Ward",      "Richardson", "Watson",    "Brooks",     "Chavez",     "Wood",
    "James",      "Bennett",   "Gray",       "Mendoza",   "Ruiz",       "Hughes",     "Price",
    "Alvarez",    "Castillo",  "Sanders",    "Patel",     "Myers",      "Long",       "Ross",
    "Foster",     "Jimenez",   "Powell",     "Jenkins",   "Perry",      "Russell",    "Sullivan",
    "Bell",       "Coleman",   "Butler",     "Henderson", "Barnes",     "Gonzales",   "Fisher",
    "Vasquez",    "Simmons",   "Romero",     "Jordan",    "Patterson",  "Alexander",  "Hamilton",
    "Graham",     "Reynolds",  "Griffin",    "Wallace",   "Moreno",     "West",       "Cole",
    "Hayes",      "Bryant",    "Herrera",    "Gibson",    "Ellis",      "Tran",       "Medina",
    "Aguilar",    "Stevens",   "Murray",     "Ford",      "Castro",     "Marshall",   "Owens",
    "Harrison",   "Fernandez", "McDonald",   "Woods",     "Washington", "Kennedy",    "Wells",
    "Vargas",     "Henry",     "Chen",       "Freeman",   "Webb",       "Tucker",     "Guzman",
    "Burns",      "Crawford",  "Olson",      "Simpson",   "Porter",     "Hunter",     "Gordon",
    "Mendez",     "Silva",     "Shaw",       "Snyder",    "Mason",      "Dixon",      "Munoz",
    "Hunt",       "Hicks",     "Holmes",     "Palmer",    "Wagner",     "Black",      "Robertson",
    "Boyd",       "Rose",      "Stone",      "Salazar",   "Fox",        "Warren",     "Mills",
    "Meyer",      "Rice",      "Schmidt",    "Garza",     "Daniels",    "Ferguson",   "Nichols",
    "Stephens",   "Soto",      "Weaver",     "Ryan",      "Gardner",    "Payne",      "Grant",
    "Dunn",       "Kelley",    "Spencer",    "Hawkins",   "Arnold",     "Pierce",     "Vazquez",
    "Hansen",     "Peters",    "Santos",     "Hart",      "Bradley",    "Knight",     "Elliott",
    "Pham",       "Le",        "Hoang",      "Vu",        "Wang",       "Li",         "Zhang",
    "Liu",        "Huang",     "Wu",         "Park",      "Choi",       "Jung",       "Mercado",
    "Villanueva", "Dela Cruz", "Bautista",   "Shah",      "Singh",      "Kumar",      "Gupta",
    "Ali",        "Khan",      "Hassan",     "Ibrahim",   "Abdullahi",  "Mohamed",    "Warsame",
    "Begay",      "Yazzie",    "Tsosie",     "Kowalski",  "Nowak",      "Wisniewski", "Kovalenko",
    "Ivanov",     "Petrov",    "O'Brien",    "O'Connor",  "Byrne",      "Romano",     "Esposito",
    "Russo",      "Bianchi",   "Schneider",  "Becker",    "Hoffmann",   "Larsen",     "Johansson",
    "Kealoha",    "Kahale",    "Dubois",     "Lefebvre",  "Cohen",      "Levy",       "Friedman",
};
#define N_ITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Pseudo-random numbers ---------------------------------------------------------------- */

/* xoshiro256** (Blackman & Vigna), seeded per person by splitmix64 from (seed, index): person i
 * is the same whether generated alone or among a million. */
struct rng {
    uint64_t s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void
rng_seed(struct rng *r, uint64_t seed, uint64_t index)
{
    uint64_t x = seed;
    uint64_t mixed_seed = splitmix64(&x);
    x = mixed_seed ^ (index * UINT64_C(0xD1B54A32D192ED03));
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in 0 .. n-1 (n >= 1; Lemire's multiply-shift, bias far below anything visible). */
static uint32_t
rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in lo .. hi inclusive; hi < lo yields lo. */
static int32_t
rng_range(struct rng *r, int32_t lo, int32_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int32_t)rng_below(r, (uint32_t)(hi - lo) + 1);
}

static bool
rng_chance(struct rng *r, int basis_points)
{
    return (int)rng_below(r, BP) < basis_points;
}

static size_t
rng_weighted(struct rng *r, const int *weights, size_t n)
{
    int total = 0;
    for (size_t i = 0; i < n; i++)
        total += weights[i];
    if (total <= 0)
        return 0;
    int x = (int)rng_below(r, (uint32_t)total);
    for (size_t i = 0; i < n; i++) {
        if (x < weights[i])
            return i;
        x -= weights[i];
    }
    return n - 1;
}

/* ---- The generator ----------------------------------------------------------------------- */

/* One period of participation of one exit group, as planned before its services are laid out. */
struct plan {
    int roles[R_COUNT]; /* roles[0] is the anchor: the program the person came in through */
    int32_t entry[R_COUNT];
    size_t n_roles;
    enum ending ending;
    int32_t start; /* E: the anchor's entry */
    int32_t last;  /* T: the last qualifying day (for END_OPEN, the as-of date) */
    int training;  /* the role that trains in this period, or -1 */
    int gaps;      /* planned gaps inside the period: 0, 1 or 2 */
    int32_t gap_length[2];
    int32_t not_after; /* the after-exit tail (follow-up) stops before this day */
};

/* The SSN space: areas 001-899 without 666, groups 01-99, serials 0001-9999.  Person i gets the
 * (offset + i * SSN_STRIDE) mod SSN_SPACE-th number: the stride is coprime with the space, so
 * numbers never repeat within a seed (duplicate detection then finds no false pairs). */
#define SSN_SPACE (UINT64_C(898) * 99 * 9999)
#define SSN_STRIDE UINT64_C(616318177)

struct demo {
    const struct catalog *catalog;
    const struct policy *policy;
    struct demo_options options;
    int program[R_COUNT]; /* catalog indexes */
    int service[S_COUNT];
    int *role_of_program; /* catalog program index -> role, or -1 */
    int *svc_of_code;     /* catalog service index -> enum svc, or -1 */
    uint64_t ssn_offset;
    int32_t window_start;
    int32_t quiet_days; /* the walk never leaves longer without a qualifying service */

    struct demo_person out;
    char *text; /* note bodies of the current person */
    size_t text_len, text_cap;
    size_t *note_text; /* each note's offset into text, until the bodies are pointed at */
    size_t cap_note_text;

    /* The current person. */
    struct rng rng;
    long index;
    int32_t birth_on;
    int32_t eligible_on[R_COUNT]; /* earliest eligibility determined so far */
    int32_t youth_assessment_on;
    int staff[R_COUNT]; /* the person's case manager in each program */
    bool in_role[R_COUNT];
    struct plan plans[R_COUNT + 1];
    size_t n_plans;
};

static int32_t
min32(int32_t a, int32_t b)
{
    return a < b ? a : b;
}

static int32_t
max32(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

/* Staff work on weekdays: the nearest weekday on or after / on or before a date. */
static int32_t
weekday_on_or_after(int32_t date)
{
    int wd = date_weekday(date);
    return wd >= 6 ? date + (8 - wd) : date;
}

static int32_t
weekday_on_or_before(int32_t date)
{
    int wd = date_weekday(date);
    return wd >= 6 ? date - (wd - 5) : date;
}

/* Completed years of age on a date. */
static int
age_on(int32_t birth_on, int32_t date)
{
    int by, bm, bd, y, m, d;
    date_to_ymd(birth_on, &by, &bm, &bd);
    date_to_ymd(date, &y, &m, &d);
    int age = y - by;
    if (m < bm || (m == bm && d < bd))
        age--;
    return age;
}

static bool
prevents_exit(const struct demo *g, enum svc svc)
{
    return g->catalog->services[g->service[svc]].prevents_exit;
}

/* Records one service, unless the catalog says it triggers participation and the record could not
 * take it yet (no eligibility on that date; a YOUTH service before the objective assessment) — a
 * catalog that re-maps codes then loses a service, never validity (RULES.md §3).  Returns the
 * stored service or NULL. */
static struct service *
emit(struct demo *g, int role, enum svc svc, int32_t start_on, int32_t end_on,
     int32_t projected_end_on)
{
    const struct service_code *code = &g->catalog->services[g->service[svc]];
    bool assessment = role == R_YOUTH && svc == S_OBJECTIVE_ASSESSMENT;

    if (code->triggers_participation) {
        int32_t eligible_on = g->eligible_on[role];
        if (eligible_on == DATE_NONE || start_on < eligible_on)
            return NULL;
        if (role == R_YOUTH && !assessment &&
            (g->youth_assessment_on == DATE_NONE || start_on < g->youth_assessment_on))
            return NULL;
    }
    if (assessment && (g->youth_assessment_on == DATE_NONE || start_on < g->youth_assessment_on))
        g->youth_assessment_on = start_on;

    struct service s = {
        .id = 0,
        .program = g->program[role],
        .code = g->service[svc],
        .start_on = start_on,
        .end_on = end_on,
        .projected_end_on = projected_end_on,
    };
    return person_record_add_service(&g->out.record, &s);
}

/* A single-day service. */
static struct service *
emit_day(struct demo *g, int role, enum svc svc, int32_t on)
{
    return emit(g, role, svc, on, on, DATE_NONE);
}

static void
determine_eligibility(struct demo *g, int role, int32_t on)
{
    struct enrollment e = {.id = 0, .program = g->program[role], .eligibility_on = on};
    person_record_add_enrollment(&g->out.record, &e);
    if (g->eligible_on[role] == DATE_NONE || on < g->eligible_on[role])
        g->eligible_on[role] = on;
    emit_day(g, role, S_ELIGIBILITY, on);
}

/* ---- Facts ------------------------------------------------------------------------------- */

static enum tristate
fact(struct rng *r, int basis_points)
{
    return rng_chance(r, basis_points) ? FACT_YES : FACT_NO;
}

static void
put_digits(char *dst, uint64_t value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        dst[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

static void
copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void
make_ssn(struct demo *g)
{
    uint64_t x = (g->ssn_offset + (uint64_t)g->index % SSN_SPACE * SSN_STRIDE) % SSN_SPACE;
    uint64_t area = x / (99 * 9999) + 1;
    uint64_t group = x / 9999 % 99 + 1;
    uint64_t serial = x % 9999 + 1;
    if (area >= 666) /* 666 is never issued */
        area++;
    put_digits(g->out.ssn, area, 3);
    put_digits(g->out.ssn + 3, group, 2);
    put_digits(g->out.ssn + 5, serial, 4);
    g->out.ssn[9] = '\0';
    memcpy(g->out.person.facts.ssn_last4, g->out.ssn + 5, 5);
}

/* Age bands at the as-of date, weighted to working age. */
static const struct {
    int lo, hi, weight;
} age_bands[] = {
    {14, 17, 300},  {18, 24, 1500}, {25, 34, 2500}, {35, 44, 2200},
    {45, 54, 1800}, {55, 64, 1300}, {65, 70, 400},
};

static void
make_identity(struct demo *g)
{
    struct rng *r = &g->rng;
    struct stored_person *p = &g->out.person;
    struct person_facts *f = &p->facts;
    int weights[N_ITEMS(age_bands)];

    memset(p, 0, sizeof(*p));
    memcpy(p->external_id, "DEMO-", 5);
    char digits[24];
    int n = 0;
    unsigned long v = (unsigned long)g->index;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n < 7)
        digits[n++] = '0';
    for (int i = 0; i < n; i++)
        p->external_id[5 + i] = digits[n - 1 - i];
    p->external_id[5 + n] = '\0';

    for (size_t i = 0; i < N_ITEMS(age_bands); i++)
        weights[i] = age_bands[i].weight;
    size_t band = rng_weighted(r, weights, N_ITEMS(age_bands));
    int age = rng_range(r, age_bands[band].lo, age_bands[band].hi);
    int y, m, d;
    date_to_ymd(g->options.as_of, &y, &m, &d);
    if (!date_valid(y - age - 1, m, d) || !date_valid(y - age, m, d))
        d = 28; /* the as-of date is Feb 29 */
    /* Born after the (age+1)th birthday anniversary before the date and on or before the age-th:
     * exactly `age` on the as-of date. */
    int32_t oldest = date_from_ymd(y - age - 1, m, d) + 1;
    int32_t youngest = date_from_ymd(y - age, m, d);
    f->birth_on = rng_range(r, oldest, youngest);
    g->birth_on = f->birth_on;

    int sex = (int)rng_below(r, 1000);
    f->sex = sex < 510 ? SEX_FEMALE : sex < 990 ? SEX_MALE : sex < 995 ? SEX_OTHER : SEX_UNKNOWN;
    bool female = f->sex == SEX_FEMALE || (f->sex != SEX_MALE && rng_chance(r, BP / 2));
    const char *first = female ? demo_female_names[rng_below(r, N_ITEMS(demo_female_names))]
                               : demo_male_names[rng_below(r, N_ITEMS(demo_male_names))];
    copy_text(f->first_name, sizeof(f->first_name), first);
    copy_text(f->last_name, sizeof(f->last_name),
              demo_last_names[rng_below(r, N_ITEMS(demo_last_names))]);

    g->out.ssn[0] = '\0';
    f->ssn_last4[0] = '\0';
    if (rng_chance(r, P_SSN))
        make_ssn(g);
}

static void
make_facts(struct demo *g, bool participant)
{
    struct rng *r = &g->rng;
    struct person_facts *f = &g->out.person.facts;
    int age = age_on(g->birth_on, g->options.as_of);
    int32_t selective_service_from = date_from_ymd(1960, 1, 1);

    f->authorized_to_work = fact(r, 9900);
    f->veteran = age >= 19 ? fact(r, P_VETERAN * 100 / 96) : FACT_NO; /* veterans are adults */
    f->eligible_spouse = f->veteran == FACT_YES ? FACT_NO : fact(r, P_SPOUSE);
    f->public_assistance = fact(r, P_PUBLIC_ASSISTANCE);
    f->low_income = f->public_assistance == FACT_YES ? FACT_YES : fact(r, P_LOW_INCOME);
    f->basic_skills_deficient = fact(r, P_BASIC_SKILLS);
    f->english_learner = fact(r, P_ENGLISH_LEARNER);
    f->disability = fact(r, P_DISABILITY);
    f->offender = fact(r, f->sex == SEX_MALE ? P_OFFENDER * 3 / 2 : P_OFFENDER / 2);
    f->homeless = fact(r, P_HOMELESS);
    f->foster_youth = age <= 24 ? fact(r, P_FOSTER_YOUTH) : FACT_NO;
    f->pregnant_or_parenting = age <= 24 ? fact(r, P_PARENTING_YOUTH) : FACT_NO;
    if (age <= 17)
        f->attending_school = fact(r, 8500);
    else if (age <= 18)
        f->attending_school = fact(r, 5000);
    else if (age <= 21)
        f->attending_school = fact(r, 2500);
    else if (age <= 24)
        f->attending_school = fact(r, 1000);
    else
        f->attending_school = FACT_NO;
    f->has_diploma = age >= 18 && f->attending_school == FACT_NO ? fact(r, 8600) : FACT_NO;
    bool must_register = f->sex == SEX_MALE && g->birth_on >= selective_service_from && age >= 18;
    f->selective_service = must_register ? fact(r, 9600) : FACT_NO;
    f->dw_category = DW_NONE;
    f->taa_petition[0] = '\0';

    if (!participant) {
        /* A reportable individual was never screened for eligibility: much was never asked. */
        enum tristate *unasked[] = {
            &f->low_income, &f->public_assistance,      &f->disability,        &f->offender,
            &f->homeless,   &f->basic_skills_deficient, &f->authorized_to_work};
        for (size_t i = 0; i < N_ITEMS(unasked); i++)
            if (rng_chance(r, P_UNASKED))
                *unasked[i] = FACT_UNKNOWN;
    }
}

/* ---- Programs ---------------------------------------------------------------------------- */

static int
pick_partner(struct demo *g, const bool *taken)
{
    int weights[R_COUNT];
    int age = age_on(g->birth_on, g->window_start);
    for (int role = 0; role < R_COUNT; role++) {
        weights[role] = taken[role] ? 0 : partner_weight[role];
        if (age < 18 && role != R_VR && role != R_AEL)
            weights[role] = 0;
    }
    size_t role = rng_weighted(&g->rng, weights, R_COUNT);
    return weights[role] > 0 ? (int)role : -1;
}

/* Which programs the person is in, with the facts that made them eligible (RULES.md §7). */
static void
choose_programs(struct demo *g)
{
    struct rng *r = &g->rng;
    struct person_facts *f = &g->out.person.facts;
    bool *in = g->in_role;
    int age_at_start = age_on(g->birth_on, g->window_start - 30);
    int age_now = age_on(g->birth_on, g->options.as_of);
    bool adult = age_at_start >= 18;
    bool youth_age = age_at_start >= 14 && age_now <= 24;

    memset(in, 0, sizeof(g->in_role));
    bool job_center = rng_chance(r, P_JOB_CENTER) || age_now < 19;
    if (job_center) {
        in[R_WP] = true;
        if (youth_age && rng_chance(r, P_YOUTH))
            in[R_YOUTH] = true;
        if (adult && rng_chance(r, in[R_YOUTH] || age_now <= 24 ? P_ADULT_YOUTH_AGE : P_ADULT))
            in[R_ADULT] = true;
        if (adult && !in[R_YOUTH] && rng_chance(r, P_DW)) {
            in[R_DW] = true;
            in[R_TAA] = rng_chance(r, P_TAA_OF_DW);
            in[R_NDWG] = !in[R_TAA] && rng_chance(r, P_NDWG_OF_DW);
        }
        if (f->veteran == FACT_YES && rng_chance(r, P_JVSG_OF_VETERANS))
            in[R_JVSG] = true;
        for (int role = R_AEL; role < R_COUNT; role++)
            if ((adult || role == R_VR || role == R_AEL) &&
                rng_chance(r, partner_weight[role] * PARTNER_JOB_CENTER_SCALE / 100))
                in[role] = true;
    } else {
        int first = pick_partner(g, in);
        if (first >= 0)
            in[first] = true;
        if (rng_chance(r, P_SECOND_PARTNER)) {
            int second = pick_partner(g, in);
            if (second >= 0)
                in[second] = true;
        }
    }

    /* The facts each program's eligibility rests on. */
    if (in[R_ADULT] || in[R_DW] || in[R_WP])
        f->authorized_to_work = FACT_YES;
    if ((in[R_ADULT] || in[R_DW]) && f->sex == SEX_MALE && g->birth_on >= date_from_ymd(1960, 1, 1))
        f->selective_service = FACT_YES;
    if (in[R_DW]) {
        static const int dw_weights[] = {
            [DW_NONE] = 0,
            [DW_LAID_OFF] = 5500,
            [DW_PLANT_CLOSURE] = 2500,
            [DW_SELF_EMPLOYED] = 600,
            [DW_DISPLACED_HOMEMAKER] = 600,
            [DW_MILITARY_SPOUSE] = 400,
            [DW_SEPARATING_SERVICE_MEMBER] = 400,
        };
        f->dw_category = (enum dw_category)rng_weighted(r, dw_weights, N_ITEMS(dw_weights));
        if (in[R_TAA] || in[R_NDWG])
            f->dw_category = DW_PLANT_CLOSURE;
        if (f->dw_category == DW_SEPARATING_SERVICE_MEMBER && f->veteran != FACT_YES)
            f->dw_category = DW_LAID_OFF;
        if (f->dw_category == DW_MILITARY_SPOUSE)
            f->eligible_spouse = FACT_YES;
    }
    if (in[R_TAA]) {
        memcpy(f->taa_petition, "TA-W-", 5);
        put_digits(f->taa_petition + 5, (uint64_t)rng_range(r, 96000, 99999), 5);
        f->taa_petition[10] = '\0';
    }
    if (in[R_YOUTH]) {
        /* In-school youth (to 21) are low-income; everyone has at least one barrier. */
        if (age_at_start > 21)
            f->attending_school = FACT_NO;
        if (f->attending_school == FACT_YES)
            f->low_income = FACT_YES;
        bool barrier = f->basic_skills_deficient == FACT_YES || f->english_learner == FACT_YES ||
                       f->offender == FACT_YES || f->homeless == FACT_YES ||
                       f->foster_youth == FACT_YES || f->pregnant_or_parenting == FACT_YES ||
                       f->disability == FACT_YES || f->low_income == FACT_YES;
        if (!barrier) {
            enum tristate *barriers[] = {&f->basic_skills_deficient, &f->low_income,
                                         &f->pregnant_or_parenting, &f->offender, &f->homeless};
            *barriers[rng_below(r, N_ITEMS(barriers))] = FACT_YES;
        }
    }
    if (in[R_VR])
        f->disability = FACT_YES;
    if (in[R_TANF]) {
        f->public_assistance = FACT_YES;
        f->low_income = FACT_YES;
    }
    if (in[R_SNAP_ET]) {
        f->low_income = FACT_YES;
        f->public_assistance = FACT_YES;
    }
    if (in[R_REFUGEE]) {
        f->authorized_to_work = FACT_YES;
        if (rng_chance(r, 7000))
            f->english_learner = FACT_YES;
    }
    if (in[R_AEL] && f->basic_skills_deficient != FACT_YES && f->english_learner != FACT_YES) {
        if (rng_chance(r, 6500))
            f->basic_skills_deficient = FACT_YES;
        else
            f->english_learner = FACT_YES;
    }
}

/* ---- Periods ----------------------------------------------------------------------------- */

static enum svc
training_code(struct demo *g, int role)
{
    struct rng *r = &g->rng;
    switch (role) {
    case R_AEL:
    case R_REFUGEE:
        return S_ADULT_EDUCATION;
    case R_ADULT:
    case R_DW: {
        int x = (int)rng_below(r, 100);
        return x < 60 ? S_OCCUPATIONAL_TRAINING : x < 85 ? S_OJT : S_APPRENTICESHIP;
    }
    case R_NDWG:
        return rng_chance(r, BP / 2) ? S_OJT : S_OCCUPATIONAL_TRAINING;
    default:
        return S_OCCUPATIONAL_TRAINING;
    }
}

static int32_t
training_days(struct demo *g, enum svc code)
{
    switch (code) {
    case S_OJT:
        return rng_range(&g->rng, 60, 180);
    case S_APPRENTICESHIP:
        return rng_range(&g->rng, 180, 365);
    case S_ADULT_EDUCATION:
        return rng_range(&g->rng, 60, 240);
    default:
        return rng_range(&g->rng, 60, 300);
    }
}

static bool
can_work_experience(int role)
{
    return role == R_ADULT || role == R_DW || role == R_YOUTH || role == R_VR ||
           role == R_SNAP_ET || role == R_TANF;
}

/* The role that trains in a period, or -1: at most one, so two programs never fund the same
 * training for the same dates (RULES.md §6 duplication). */
static int
choose_training(struct demo *g, const struct plan *p)
{
    for (size_t i = 0; i < p->n_roles; i++) {
        int role = p->roles[i];
        if (role == R_SNAP_ET && !g->in_role[R_ADULT])
            continue; /* RULES.md §6: SNAP E&T training needs ADULT co-enrollment */
        if (rng_chance(&g->rng, training_chance[role]))
            return role;
    }
    return -1;
}

static bool
plan_has(const struct plan *p, int role)
{
    for (size_t i = 0; i < p->n_roles; i++)
        if (p->roles[i] == role)
            return true;
    return false;
}

/* The day a role of the period entered (its first triggering service). */
static int32_t
plan_entry(const struct plan *p, int role)
{
    for (size_t i = 0; i < p->n_roles; i++)
        if (p->roles[i] == role)
            return p->entry[i];
    return p->start;
}

/* A role of the period that has entered by the date, weighted; the anchor when none has. */
static int
walk_role(struct demo *g, const struct plan *p, int32_t on)
{
    int weights[R_COUNT];
    for (size_t i = 0; i < p->n_roles; i++)
        weights[i] = p->entry[i] <= on ? role_walk_weight[p->roles[i]] : 0;
    size_t i = rng_weighted(&g->rng, weights, p->n_roles);
    return weights[i] > 0 ? p->roles[i] : p->roles[0];
}

static enum svc
walk_service(struct demo *g, int role, bool need_qualifying)
{
    const struct menu *menu = &menus[role];
    int weights[16];
    for (size_t i = 0; i < menu->n; i++)
        weights[i] =
            need_qualifying && !prevents_exit(g, menu->items[i].svc) ? 0 : menu->items[i].weight;
    size_t i = rng_weighted(&g->rng, weights, menu->n);
    if (weights[i] == 0)
        return menu->qualifying;
    return menu->items[i].svc;
}

/* Services on days after `from` and before `to` (a qualifying service is on `from` already), never
 * more than quiet_days without a qualifying one, so the period cannot split by accident (RULES.md
 * §4: a service on or after L + 91 starts a new period).  Spans end by `to`.  With `final`, a
 * qualifying service on `to` ends the segment: that day is L. */
static void
walk(struct demo *g, const struct plan *p, int32_t from, int32_t to, int32_t mean_step, bool final)
{
    struct rng *r = &g->rng;
    int32_t last_qualifying = from;
    int32_t on = from;

    for (;;) {
        int32_t step = rng_range(r, 1, min32(2 * mean_step, g->quiet_days));
        on = weekday_on_or_after(on + step);
        if (on >= to)
            break;
        int role = walk_role(g, p, on);
        bool need = on - last_qualifying > g->quiet_days;
        enum svc svc = walk_service(g, role, need);
        struct service *s;
        if (svc == S_WORK_EXPERIENCE) {
            int32_t planned = on + rng_range(r, 20, 90);
            s = emit(g, role, svc, on, min32(planned, to), planned);
        } else {
            s = emit_day(g, role, svc, on);
        }
        if (s != NULL && prevents_exit(g, svc))
            last_qualifying = on;
    }
    if (final) {
        int role = walk_role(g, p, to);
        emit_day(g, role, walk_service(g, role, true), to);
    }
}

/* Training (or, to hold an open period, work experience) in [from, to]: ended by `to`, or open
 * past the as-of date for END_OPEN.  Check-ins and supportive services go along with it. */
static bool
place_training(struct demo *g, const struct plan *p, int role, enum svc code, int32_t from,
               int32_t to, bool starts_at_from)
{
    struct rng *r = &g->rng;
    int32_t as_of = g->options.as_of;
    bool open = p->ending == END_OPEN;
    int32_t start = starts_at_from ? from : weekday_on_or_after(from + rng_range(r, 7, 45));

    if (!open && start > to - 14)
        return false; /* no room: the period ended before training could start */
    if (open && start > to)
        start = weekday_on_or_before(to - rng_range(r, 0, 30));
    start = max32(start, max32(from, plan_entry(p, role)));
    int32_t days = code == S_WORK_EXPERIENCE ? rng_range(r, 60, 180) : training_days(g, code);
    int32_t projected = start + days;
    int32_t end;
    if (open) {
        projected = max32(projected, as_of + 1 + rng_range(r, 0, 120));
        end = DATE_NONE;
    } else {
        if (projected > to)
            projected = to; /* it ended with the period, as planned */
        end = projected;
        if (rng_chance(r, P_TRAINING_DROPPED))
            end = rng_range(r, start, projected);
        /* Staff forgot to close it: open past its projected end (RULES.md §4 stale). */
        if (end == projected && projected < as_of && rng_chance(r, P_STALE))
            end = DATE_NONE;
    }
    if (emit(g, role, code, start, end, projected) == NULL)
        return false;

    int32_t until = min32(end == DATE_NONE ? projected : end, min32(to, as_of));
    if (rng_chance(r, P_SUPPORTIVE_AT_TRAINING))
        emit_day(g, role, S_SUPPORTIVE, start);
    if (rng_chance(r, P_TRAINING_CHECK_IN))
        for (int32_t on = weekday_on_or_after(start + 30); on <= until;
             on = weekday_on_or_after(on + rng_range(r, 26, 34)))
            emit_day(g, role, S_CHECK_IN, on);
    return true;
}

static void
place_gaps(struct demo *g, const struct plan *p, int32_t first_start, int count,
           const int32_t *lengths)
{
    static const int reason_weights[] = {
        [GAP_TRAINING_DELAY] = 40,
        [GAP_HEALTH_MEDICAL] = 30,
        [GAP_FAMILY_CARE] = 20,
        [GAP_TEMPORARY_MOVE] = 10,
    };
    int32_t start = first_start;
    for (int k = 0; k < count; k++) {
        enum gap_reason reason =
            p->training >= 0 && k == 0
                ? GAP_TRAINING_DELAY
                : (enum gap_reason)rng_weighted(&g->rng, reason_weights, N_ITEMS(reason_weights));
        int role = p->training >= 0 ? p->training : p->roles[0];
        struct planned_gap gap = {
            .id = 0,
            .program = g->program[role],
            .reason = reason,
            .start_on = start,
            .planned_end_on = start + lengths[k],
        };
        person_record_add_gap(&g->out.record, &gap);
        start = gap.planned_end_on + 1; /* RULES.md §5: consecutive gaps chain */
    }
}

/* After the last qualifying service: check-ins that do not hold the clock (seed 003), and, once the
 * period has exited, quarterly follow-up for 12 months (RULES.md §8). */
static void
place_tail(struct demo *g, const struct plan *p)
{
    struct rng *r = &g->rng;
    int32_t as_of = g->options.as_of;
    int32_t clock = g->policy->exit_after_days;
    int32_t tail_end = min32(p->last + clock, min32(as_of, p->not_after - 1));
    int check_ins = (int)rng_below(r, 3);

    for (int k = 0; k < check_ins; k++) {
        int32_t on = weekday_on_or_after(p->last + rng_range(r, 14, clock));
        if (on <= tail_end)
            emit_day(g, p->roles[0], S_CHECK_IN, on);
    }
    if (p->ending != END_EXITED)
        return;

    int role = -1;
    for (size_t i = 0; i < p->n_roles && role < 0; i++)
        if (p->roles[i] == R_YOUTH || p->roles[i] == R_ADULT || p->roles[i] == R_DW)
            role = p->roles[i];
    int chance = role >= 0 ? P_FOLLOW_UP_TITLE_I : P_FOLLOW_UP_OTHER;
    if (role < 0)
        role = p->roles[0];
    int32_t soft_exit = p->last + clock + 1;
    int32_t follow_until = min32(date_add_months(soft_exit, g->policy->follow_up_months),
                                 min32(as_of, p->not_after - 1));
    for (int q = 0; q < 4; q++) {
        int32_t on = weekday_on_or_after(soft_exit + q * 91 + rng_range(r, 0, 20));
        if (on > follow_until)
            break;
        if (rng_chance(r, chance))
            emit_day(g, role, S_FOLLOW_UP, on);
    }
}

/* Lays out one period: eligibility and entry for each program, the walk, training, gaps, and the
 * ending as of the date. */
static void
build_period(struct demo *g, struct plan *p)
{
    struct rng *r = &g->rng;
    int32_t as_of = g->options.as_of;
    int32_t E = p->start, T = p->last;
    bool ended = p->ending != END_OPEN;
    int32_t gap_total = p->gaps > 0 ? p->gap_length[0] + (p->gaps > 1 ? p->gap_length[1] : 0) : 0;
    int32_t seg_end = T; /* end of the segment before the gap (X), or T */
    int32_t gap_start = DATE_NONE, resume = DATE_NONE;

    if (p->gaps > 0) {
        seg_end = weekday_on_or_before(E + rng_range(r, 10, 40));
        gap_start = seg_end + rng_range(r, 1, 20);
        int32_t gap_end = gap_start + gap_total + (p->gaps - 1);
        resume = weekday_on_or_before(gap_end - rng_range(r, 0, 7));
        if (seg_end < E || resume > T) {
            p->gaps = 0; /* the period turned out too short: no gap after all */
            seg_end = T;
        }
    }

    /* Entries: the anchor first; partners join within weeks; TAA and NDWG after DW. */
    int32_t dw_entry = E;
    for (size_t i = 0; i < p->n_roles; i++) {
        int role = p->roles[i];
        int32_t entry = E;
        if (i > 0 && role != R_YOUTH)
            entry = weekday_on_or_after(E + rng_range(r, 0, 21));
        if (role == R_TAA || role == R_NDWG)
            entry = weekday_on_or_after(dw_entry + rng_range(r, 0, 14));
        entry = min32(entry, seg_end);
        if (role == R_DW)
            dw_entry = entry;
        p->entry[i] = entry;
    }
    /* The resource room and orientation come before the eligibility determination. */
    int32_t anchor_eligible_on = weekday_on_or_before(E - rng_range(r, 0, 10));
    if (rng_chance(r, P_SELF_SERVICE_FIRST))
        emit_day(g, p->roles[0], S_SELF_SERVICE,
                 weekday_on_or_before(anchor_eligible_on - rng_range(r, 1, 60)));
    if (rng_chance(r, P_ORIENTATION))
        emit_day(g, p->roles[0], S_ORIENTATION,
                 weekday_on_or_before(anchor_eligible_on - rng_range(r, 0, 7)));
    for (size_t i = 0; i < p->n_roles; i++) {
        int role = p->roles[i];
        int32_t entry = p->entry[i];
        /* RULES.md §3: eligibility is determined on or before the entry service. */
        determine_eligibility(g, role,
                              i == 0 ? anchor_eligible_on
                                     : weekday_on_or_before(entry - rng_range(r, 0, 10)));
        /* No wrong door (seed 000): the job center referred them to the partner. */
        if (!role_job_center(role) && g->in_role[R_WP] && rng_chance(r, P_PARTNER_REFERRAL))
            emit_day(g, R_WP, S_REFERRAL, weekday_on_or_before(entry - rng_range(r, 1, 20)));
        emit_day(g, role, menus[role].entry, entry);
    }

    int32_t mean_step = rng_range(r, 10, 32);
    enum svc code = p->training >= 0 ? training_code(g, p->training) : S_COUNT;
    if (p->gaps > 0) {
        walk(g, p, E, seg_end, mean_step, true);
        place_gaps(g, p, gap_start, p->gaps, p->gap_length);
        /* The services planned after the gap resume before it ends (RULES.md §5). */
        if (p->training < 0 || !place_training(g, p, p->training, code, resume, T, true))
            emit_day(g, p->roles[0], menus[p->roles[0]].qualifying, resume);
        walk(g, p, resume, T, mean_step, ended);
    } else {
        if (p->training >= 0)
            place_training(g, p, p->training, code, E, T, false);
        walk(g, p, E, T, mean_step, ended);
    }

    if (p->ending == END_OPEN && p->training < 0) {
        /* Nothing trains, so work experience is what is still going on today. */
        int holder = -1;
        for (size_t i = 0; i < p->n_roles && holder < 0; i++)
            if (can_work_experience(p->roles[i]))
                holder = p->roles[i];
        if (holder >= 0)
            place_training(g, p, holder, S_WORK_EXPERIENCE, p->gaps > 0 ? resume : E, T, false);
    }

    if (p->ending == END_FUTURE) {
        /* An appointment or a class already scheduled (20 CFR 677.150(c): no exit then). */
        int role = walk_role(g, p, T);
        int32_t start = weekday_on_or_after(as_of + rng_range(r, 1, 45));
        if (p->training >= 0 && rng_chance(r, 4000)) {
            enum svc next = training_code(g, p->training);
            emit(g, p->training, next, start, DATE_NONE, start + training_days(g, next));
        } else {
            emit(g, role, menus[role].qualifying, start, DATE_NONE, start);
        }
    }

    if (p->ending == END_GAP) {
        /* On a planned gap today: it covers L + 91 and the as-of date. */
        int32_t gap_from = T + rng_range(r, 1, 30);
        int32_t length =
            rng_range(r, max32(g->policy->gap_min_days, as_of - gap_from), g->policy->gap_max_days);
        length = min32(length, g->policy->gap_max_days);
        place_gaps(g, p, gap_from, 1, &length);
    }
    if (ended)
        place_tail(g, p);
}

/* Period length in days, by what happens in it. */
static int32_t
period_days(struct demo *g, const struct plan *p)
{
    struct rng *r = &g->rng;
    if (p->training >= 0)
        return rng_range(r, 90, 420);
    if (p->n_roles == 1 && p->roles[0] == R_WP) {
        int x = (int)rng_below(r, 100);
        return x < 45   ? rng_range(r, 0, 20)
               : x < 80 ? rng_range(r, 20, 120)
                        : rng_range(r, 120, 300);
    }
    return rng_range(r, 20, 300);
}

/* Sets E and T from the ending: exited periods end at least a full clock before `bound`
 * (the as-of date, or the next period's start), active ones near the date. */
static void
place_period(struct demo *g, struct plan *p, int32_t days, int32_t bound)
{
    struct rng *r = &g->rng;
    int32_t as_of = g->options.as_of;
    int32_t clock = g->policy->exit_after_days;
    int32_t T;

    switch (p->ending) {
    case END_EXITED: {
        int32_t hi = bound - clock - 1; /* the soft exit is determined by the bound */
        int32_t lo = min32(g->window_start + days, hi);
        T = rng_range(r, lo, hi);
        break;
    }
    case END_CLOCK:
        T = as_of - rng_range(r, 0, clock - 1);
        break;
    case END_OPEN:
        T = as_of;
        break;
    case END_FUTURE:
        T = as_of - rng_range(r, 0, clock * 2 / 3);
        break;
    case END_GAP:
    default:
        T = as_of - clock - 1 - rng_range(r, 0, clock * 2 / 3);
        break;
    }
    T = weekday_on_or_before(T);
    int32_t E = weekday_on_or_after(max32(T - days, g->window_start));
    p->start = min32(E, T);
    p->last = T;
}

static bool
gaps_allowed(const struct policy *policy)
{
    return policy->gap_min_days > 0 && policy->gap_min_days <= policy->gap_max_days &&
           policy->gap_min_days > policy->exit_after_days;
}

static enum ending
active_ending(struct demo *g, const struct plan *p, enum ending wanted)
{
    bool can_hold = p->training >= 0;
    for (size_t i = 0; i < p->n_roles && !can_hold; i++)
        can_hold = can_work_experience(p->roles[i]);
    if (wanted == END_OPEN && !can_hold)
        return END_CLOCK;
    if (wanted == END_GAP && !gaps_allowed(g->policy))
        return END_CLOCK;
    return wanted;
}

static struct plan *
plan_new(struct demo *g)
{
    struct plan *p = &g->plans[g->n_plans++];
    memset(p, 0, sizeof(*p));
    p->training = -1;
    p->not_after = g->options.as_of + 1;
    return p;
}

static void
build_participant(struct demo *g)
{
    struct rng *r = &g->rng;
    int32_t as_of = g->options.as_of;
    int32_t clock = g->policy->exit_after_days;
    int weights[N_ITEMS(ending_weight)];

    for (size_t i = 0; i < N_ITEMS(ending_weight); i++)
        weights[i] = ending_weight[i];
    enum ending person_ending = (enum ending)rng_weighted(r, weights, N_ITEMS(ending_weight));

    /* The primary group: the job center (with its programs), or the first partner program. */
    g->n_plans = 0;
    struct plan *primary = plan_new(g);
    bool job_center = g->in_role[R_WP];
    for (int role = 0; role < R_COUNT; role++)
        if (g->in_role[role] && (job_center ? role_job_center(role) : primary->n_roles == 0))
            primary->roles[primary->n_roles++] = role;
    primary->training = choose_training(g, primary);
    primary->ending =
        person_ending == END_EXITED ? END_EXITED : active_ending(g, primary, person_ending);
    int32_t days = period_days(g, primary);
    if (primary->ending != END_GAP && gaps_allowed(g->policy) && rng_chance(r, P_MID_GAP)) {
        primary->gaps = rng_chance(r, P_CHAINED_GAP) ? 2 : 1;
        for (int k = 0; k < primary->gaps; k++)
            primary->gap_length[k] = rng_range(r, g->policy->gap_min_days, g->policy->gap_max_days);
        int32_t needed =
            40 + 20 + primary->gap_length[0] + primary->gap_length[1] + rng_range(r, 10, 150);
        days = max32(days, needed);
    }
    place_period(g, primary, days, as_of + 1);

    /* Some came back: an earlier period that exited at least a full clock before this one. */
    struct plan *earlier = NULL;
    if (rng_chance(r, P_SECOND_PERIOD)) {
        int32_t bound = primary->start - rng_range(r, 0, 120);
        int32_t days1 = rng_range(r, 0, 120);
        if (bound - clock - 1 - days1 >= g->window_start) {
            earlier = plan_new(g);
            earlier->roles[0] = primary->roles[0];
            earlier->n_roles = 1;
            if (plan_has(primary, R_ADULT) && rng_chance(r, 4000))
                earlier->roles[earlier->n_roles++] = R_ADULT;
            earlier->ending = END_EXITED;
            earlier->not_after = primary->start;
            place_period(g, earlier, days1, bound);
        }
    }

    /* Every other partner program: its own group and period (RULES.md §4). */
    for (int role = R_AEL; role < R_COUNT; role++) {
        if (!g->in_role[role] || plan_has(primary, role))
            continue;
        struct plan *p = plan_new(g);
        p->roles[0] = role;
        p->n_roles = 1;
        p->training = choose_training(g, p);
        if (person_ending == END_EXITED || !rng_chance(r, P_SECONDARY_ACTIVE))
            p->ending = END_EXITED;
        else
            p->ending = active_ending(g, p, rng_chance(r, 4000) ? END_OPEN : END_CLOCK);
        place_period(g, p, period_days(g, p), as_of + 1);
    }

    /* Earlier periods first: YOUTH's objective assessment and eligibility come before. */
    if (earlier != NULL)
        build_period(g, earlier);
    build_period(g, primary);
    for (size_t i = 0; i < g->n_plans; i++)
        if (&g->plans[i] != primary && &g->plans[i] != earlier)
            build_period(g, &g->plans[i]);
}

/* A reportable individual: the resource room, information, a workshop — no eligibility. */
static void
build_reportable(struct demo *g)
{
    struct rng *r = &g->rng;
    int32_t as_of = g->options.as_of;
    int32_t on = weekday_on_or_after(rng_range(r, g->window_start, as_of - 1));
    int n = 1 + (int)rng_below(r, 4);

    g->n_plans = 0;
    if (on > as_of)
        on = weekday_on_or_before(as_of);
    if (rng_chance(r, BP / 2))
        emit_day(g, R_WP, S_ORIENTATION, on);
    for (int k = 0; k < n; k++) {
        static const int w[] = {60, 20, 20};
        static const enum svc codes[] = {S_SELF_SERVICE, S_LMI, S_WORKSHOP};
        int32_t day = weekday_on_or_after(on + rng_range(r, 0, 120));
        if (day <= as_of)
            emit_day(g, R_WP, codes[rng_weighted(r, w, N_ITEMS(w))], day);
    }
}

/* ---- Notes and contacts ------------------------------------------------------------------ */

static const char *const note_text[S_COUNT][3] = {
    [S_SELF_SERVICE] = {"Used the resource room computers for job search.",
                        "Self-directed job search in the resource room; printed two applications.",
                        "Used the online job board and resume builder on their own."},
    [S_ORIENTATION] = {"Attended the job center orientation; reviewed partner services.",
                       "Walk-in intake; explained the services of every partner at the center.",
                       "Group orientation; collected contact details and next steps."},
    [S_ELIGIBILITY] = {"Eligibility determined; documents verified and copies on file.",
                       "Reviewed identification, right to work and income documents; eligible.",
                       "Completed the eligibility screen; facts recorded as of today."},
    [S_LMI] = {"Provided labor market information on in-demand occupations in the region.",
               "Reviewed wages and openings for the target occupation.",
               "Shared the regional in-demand occupations list."},
    [S_REFERRAL] = {"Referred to a partner program; warm hand-off by phone.",
                    "Referral sent to partner agency with consent to share.",
                    "Referred for services the job center does not provide."},
    [S_WORKSHOP] = {"Attended the resume workshop.", "Attended the interviewing skills workshop.",
                    "Attended the digital literacy workshop."},
    [S_INITIAL_ASSESSMENT] = {"Initial assessment of skills, abilities and support needs.",
                              "Initial assessment completed; barriers discussed.",
                              "Assessed work history, skills and goals at intake."},
    [S_STAFF_JOB_SEARCH] = {"Staff-assisted job search; applied to three openings together.",
                            "Reviewed job leads and helped complete online applications.",
                            "Job search assistance; updated resume for warehouse positions."},
    [S_JOB_REFERRAL] = {"Referred to an employer with a current opening.",
                        "Job referral to a hiring event; interview scheduled.",
                        "Referred to an open position matching the participant's skills."},
    [S_CAREER_COUNSELING] = {"Career counseling on goals and training options.",
                             "Discussed career pathways and transferable skills.",
                             "Career guidance; explored apprenticeship options."},
    [S_OBJECTIVE_ASSESSMENT] = {"Objective assessment completed; TABE scheduled.",
                                "Comprehensive assessment of skills, interests and barriers.",
                                "Objective assessment: goals, barriers and service needs."},
    [S_PLAN_DEVELOPMENT] = {"Developed the individual plan with the participant; signed.",
                            "Plan reviewed and updated; goals and target dates set.",
                            "Plan signed; participant received a copy."},
    [S_CASE_MANAGEMENT] = {"Case management: reviewed progress on plan goals.",
                           "Met to review progress and next steps.",
                           "Case management contact; addressed transportation barrier."},
    [S_PREVOCATIONAL] = {"Short-term prevocational services: workplace readiness.",
                         "Completed soft-skills module.", "Prevocational class on communication."},
    [S_WORK_EXPERIENCE] = {"Started work experience placement with a local employer.",
                           "Work experience: worksite agreement signed.",
                           "Internship placement confirmed; supervisor contact on file."},
    [S_TUTORING] = {"Tutoring session; study skills and math.",
                    "Tutoring toward the high school equivalency exam.",
                    "Study skills session; reviewed practice test results."},
    [S_OCCUPATIONAL_TRAINING] = {"Enrolled in occupational skills training (ITA approved).",
                                 "Training started at the approved provider.",
                                 "ITA issued; class schedule confirmed."},
    [S_OJT] = {"On-the-job training contract signed with the employer.",
               "OJT started; training plan attached to the contract.",
               "OJT placement; wage reimbursement schedule agreed."},
    [S_APPRENTICESHIP] = {"Registered apprenticeship started.",
                          "Apprenticeship agreement signed; related instruction scheduled.",
                          "Enrolled in pre-apprenticeship leading to registered apprenticeship."},
    [S_ADULT_EDUCATION] = {"Enrolled in adult basic education class.",
                           "ESL class enrollment; placement test completed.",
                           "Adult education class started; attendance tracked weekly."},
    [S_SUPPORTIVE] = {"Supportive service: bus pass issued.",
                      "Supportive service: child care assistance approved.",
                      "Supportive service: work boots and tools purchased."},
    [S_CHECK_IN] = {"Monthly check-in; no new services needed.", "Check-in call; doing well.",
                    "Monthly status check-in."},
    [S_FOLLOW_UP] = {"Follow-up: participant reports being employed full time.",
                     "Follow-up: checked job retention and any new needs.",
                     "Follow-up after exit; offered further services."},
};

static const char *const note_tails[] = {
    "",
    " Next appointment scheduled.",
    " Will follow up by phone next week.",
    " Participant agreed to the next steps.",
    " Documents uploaded to the file.",
    " Participant will bring pay statements next visit.",
    " Discussed barriers; none new.",
    " Reminded about the attendance requirement.",
};

static const char *const status_notes[] = {
    "Status update: participant called to report a new phone number.",
    "Status update: employer confirmed participant started work.",
    "Status update: participant is out of town for two weeks.",
    "Status update: received the signed release of information.",
    "Status update: transferred the case within the agency.",
    "Status update: participant asked about evening classes.",
};

static void
text_append(struct demo *g, const char *s)
{
    size_t n = strlen(s);
    xgrow(&g->text, &g->text_cap, g->text_len + n + 1, 1);
    memcpy(g->text + g->text_len, s, n + 1);
    g->text_len += n;
}

static void
add_note(struct demo *g, int role, int64_t service_id, int32_t written_on, const char *body,
         const char *tail)
{
    struct demo_person *out = &g->out;
    xgrow(&out->notes, &out->cap_notes, out->n_notes + 1, sizeof(*out->notes));
    xgrow(&g->note_text, &g->cap_note_text, out->n_notes + 1, sizeof(*g->note_text));
    g->note_text[out->n_notes] = g->text_len;
    text_append(g, body);
    text_append(g, tail);
    g->text_len++; /* keep the NUL */
    out->notes[out->n_notes++] = (struct case_note){
        .id = 0,
        .person_id = 0,
        .service_id = service_id,
        .agency_id = g->program[role] + 1,
        .author_id = g->staff[role],
        .written_on = written_on,
        .confidential = role == R_VR || rng_chance(&g->rng, P_CONFIDENTIAL),
        .body = NULL,
    };
}

/* Most notes are written the same day or the next; some later than policy allows (seed 003). */
static int
note_delay(struct rng *r)
{
    static const int weights[] = {4500, 2500, 1200, 800, 400, 300, 300}; /* 0..6 business days */
    return (int)rng_weighted(r, weights, N_ITEMS(weights));
}

static void
write_notes(struct demo *g)
{
    const struct person_record *record = &g->out.record;
    struct rng *r = &g->rng;
    int32_t as_of = g->options.as_of;

    for (size_t i = 0; i < record->n_services; i++) {
        const struct service *s = &record->services[i];
        if (s->start_on > as_of || !rng_chance(r, P_NOTE))
            continue;
        int32_t written_on = date_add_business_days(s->start_on, note_delay(r));
        if (written_on > as_of)
            continue; /* not written yet */
        int role = g->role_of_program[s->program];
        int svc = g->svc_of_code[s->code];
        add_note(g, role, (int64_t)i + 1, written_on, note_text[svc][rng_below(r, 3)],
                 note_tails[rng_below(r, N_ITEMS(note_tails))]);
    }
    for (size_t i = 0; i < g->n_plans; i++) {
        const struct plan *p = &g->plans[i];
        if (!rng_chance(r, 4000))
            continue;
        int32_t on = weekday_on_or_after(rng_range(r, p->start, min32(p->last + 30, as_of)));
        if (on <= as_of)
            add_note(g, p->roles[0], 0, on, status_notes[rng_below(r, N_ITEMS(status_notes))], "");
    }
    for (size_t i = 0; i < g->out.n_notes; i++)
        g->out.notes[i].body = g->text + g->note_text[i];
}

static const struct {
    int weight;
    int respond; /* basis points */
    const char *yes, *no;
} contact_methods[] = {
    [CONTACT_PHONE] = {4000, 6500, "Spoke with the participant by phone; confirmed next steps.",
                       "Called; no answer. Left a voicemail asking for a call back."},
    [CONTACT_LETTER] = {1000, 2500, "Participant returned the reply card; still wants services.",
                        "Mailed an engagement letter to the address on file; no response."},
    [CONTACT_EMAIL] = {2000, 5000, "Participant replied by e-mail with an updated resume.",
                       "Sent an e-mail reminder about the missed appointment; no reply."},
    [CONTACT_HOME_VISIT] = {400, 7000, "Home visit: discussed barriers to attending training.",
                            "Home visit: nobody home; left a note with the office number."},
    [CONTACT_IN_PERSON] = {2000, BP, "Met in person at the job center; reviewed job leads.",
                           "Scheduled in-person meeting; participant did not come."},
    [CONTACT_OTHER_AGENCY] = {300, 8000, "Partner agency confirms the participant attends class.",
                              "Asked the partner agency for current contact details; no reply."},
    [CONTACT_OTHER] = {300, 6000, "Text message; participant confirmed the appointment.",
                       "Text message sent; no reply."},
};

static void
add_contact(struct demo *g, int role, int32_t on, enum contact_method method, bool responded)
{
    struct demo_person *out = &g->out;
    xgrow(&out->contacts, &out->cap_contacts, out->n_contacts + 1, sizeof(*out->contacts));
    struct contact *c = &out->contacts[out->n_contacts++];
    memset(c, 0, sizeof(*c));
    c->staff_id = g->staff[role];
    c->contacted_on = on;
    c->method = method;
    c->responded = responded;
    copy_text(c->outcome, sizeof(c->outcome),
              responded ? contact_methods[method].yes : contact_methods[method].no);
}

/* A few contacts per period: during it, and — for periods that went quiet — repeated attempts
 * that got no answer before the exit (seed 003), plus monthly in-person youth contacts (seed 004).
 */
static void
write_contacts(struct demo *g)
{
    struct rng *r = &g->rng;
    int32_t as_of = g->options.as_of;
    int weights[N_ITEMS(contact_methods)];

    for (size_t i = 0; i < N_ITEMS(contact_methods); i++)
        weights[i] = contact_methods[i].weight;
    for (size_t i = 0; i < g->n_plans; i++) {
        const struct plan *p = &g->plans[i];
        int role = p->roles[0];
        int n = (int)rng_below(r, 3);
        for (int k = 0; k < n; k++) {
            int32_t on = weekday_on_or_after(rng_range(r, p->start, p->last));
            if (on > as_of)
                continue;
            enum contact_method m = (enum contact_method)rng_weighted(r, weights, N_ITEMS(weights));
            add_contact(g, role, on, m, rng_chance(r, contact_methods[m].respond));
        }
        if (p->ending == END_EXITED && rng_chance(r, 3000)) {
            for (int k = 0; k < 3; k++) {
                int32_t on = weekday_on_or_after(p->last + 30 + 20 * k);
                if (on < p->not_after && on <= as_of)
                    add_contact(g, role, on, k == 2 ? CONTACT_LETTER : CONTACT_PHONE, false);
            }
        }
        if (plan_has(p, R_YOUTH) && p->ending != END_EXITED) {
            for (int32_t on = weekday_on_or_after(max32(p->start, as_of - 90)); on <= as_of;
                 on = weekday_on_or_after(on + rng_range(r, 24, 36)))
                if (rng_chance(r, 8000))
                    add_contact(g, R_YOUTH, on, CONTACT_IN_PERSON, true);
        }
    }
}

/* Input order is the order staff entered things: by start date (stable, so ties keep the order
 * they were laid out in).  Insertion sort: a person has tens of services, mostly in order. */
static void
sort_services(struct person_record *record)
{
    struct service *s = record->services;
    for (size_t i = 1; i < record->n_services; i++) {
        struct service item = s[i];
        size_t j = i;
        while (j > 0 && s[j - 1].start_on > item.start_on) {
            s[j] = s[j - 1];
            j--;
        }
        s[j] = item;
    }
}

/* ---- Public API -------------------------------------------------------------------------- */

void
demo_options_defaults(struct demo_options *options, int32_t as_of)
{
    options->seed = DEMO_DEFAULT_SEED;
    options->first = 0;
    options->people = DEMO_DEFAULT_PEOPLE;
    options->as_of = as_of;
}

int
demo_new(const struct catalog *catalog, const struct policy *policy,
         const struct demo_options *options, struct demo **out, struct br_error *err)
{
    int rc = 0;
    bool bad = false;
    struct demo *g = xcalloc(1, sizeof(*g));
    int year = 0;

    *out = NULL;
    if (options->as_of != DATE_NONE)
        date_to_ymd(options->as_of, &year, NULL, NULL);
    /* Birth dates reach 71 years back and scheduled services months ahead. */
    if (options->as_of == DATE_NONE || year < DATE_MIN_YEAR + 100 || year > DATE_MAX_YEAR - 1) {
        br_error_field(err, "as_of", "must be a date in %d..%d", DATE_MIN_YEAR + 100,
                       DATE_MAX_YEAR - 1);
        bad = true;
    }
    if (options->first < 0 || options->people < 0) {
        br_error_field(err, options->first < 0 ? "first" : "people", "must be 0 or more");
        bad = true;
    }
    if (policy->exit_after_days < 6) {
        br_error_field(err, "policy.exit_after_days", "the demo needs a clock of 6 days or more");
        bad = true;
    }
    for (int role = 0; role < R_COUNT; role++) {
        g->program[role] = catalog_program_index(catalog, role_codes[role]);
        if (g->program[role] == CATALOG_NOT_FOUND) {
            br_error_field(err, "catalog.programs", "has no %s program, which the demo uses",
                           role_codes[role]);
            bad = true;
        }
    }
    for (int svc = 0; svc < S_COUNT; svc++) {
        g->service[svc] = catalog_service_index(catalog, svc_codes[svc]);
        if (g->service[svc] == CATALOG_NOT_FOUND) {
            br_error_field(err, "catalog.services", "has no %s service code, which the demo uses",
                           svc_codes[svc]);
            bad = true;
        }
    }
    if (bad) {
        rc = br_error_set(err, BR_EINVAL, "cannot generate a demo population");
        goto out;
    }

    g->catalog = catalog;
    g->policy = policy;
    g->options = *options;
    g->role_of_program = xmalloc((catalog->n_programs ? catalog->n_programs : 1) * sizeof(int));
    for (size_t p = 0; p < catalog->n_programs; p++)
        g->role_of_program[p] = -1;
    for (int role = 0; role < R_COUNT; role++)
        g->role_of_program[g->program[role]] = role;
    g->svc_of_code = xmalloc((catalog->n_services ? catalog->n_services : 1) * sizeof(int));
    for (size_t c = 0; c < catalog->n_services; c++)
        g->svc_of_code[c] = -1;
    for (int svc = 0; svc < S_COUNT; svc++)
        g->svc_of_code[g->service[svc]] = svc;
    uint64_t x = options->seed ^ UINT64_C(0x53534E); /* "SSN": its own stream */
    g->ssn_offset = splitmix64(&x) % SSN_SPACE;
    g->window_start = options->as_of - HISTORY_DAYS;
    g->quiet_days = policy->exit_after_days / 3;
    person_record_init(&g->out.record);
    *out = g;
    g = NULL;
out:
    demo_free(g);
    return rc;
}

void
demo_free(struct demo *demo)
{
    if (demo == NULL)
        return;
    person_record_cleanup(&demo->out.record);
    free(demo->out.notes);
    free(demo->out.contacts);
    free(demo->out.service_staff);
    free(demo->text);
    free(demo->note_text);
    free(demo->role_of_program);
    free(demo->svc_of_code);
    free(demo);
}

const struct demo_person *
demo_make_person(struct demo *g, long index)
{
    struct demo_person *out = &g->out;

    rng_seed(&g->rng, g->options.seed, (uint64_t)index);
    g->index = index;
    person_record_reset(&out->record);
    out->n_notes = 0;
    out->n_contacts = 0;
    g->text_len = 0;
    g->youth_assessment_on = DATE_NONE;
    for (int role = 0; role < R_COUNT; role++) {
        g->eligible_on[role] = DATE_NONE;
        g->staff[role] = g->program[role] * DEMO_STAFF_PER_PROGRAM + 1 +
                         (int)rng_below(&g->rng, DEMO_STAFF_PER_PROGRAM);
    }

    make_identity(g);
    /* Nobody is served before 14 (the youth program's lower age): a person 14 or 15 today
     * only registered, within the two years of history. */
    bool participant =
        rng_chance(&g->rng, P_PARTICIPANT) && age_on(g->birth_on, g->window_start - 30) >= 14;
    make_facts(g, participant);
    if (participant) {
        choose_programs(g);
        build_participant(g);
    } else {
        memset(g->in_role, 0, sizeof(g->in_role));
        build_reportable(g);
    }
    sort_services(&out->record);
    /* Each service is by the person's case manager in its program (no draw: the rest of the
     * person stays as the seed made it). */
    xgrow(&out->service_staff, &out->cap_service_staff, out->record.n_services + 1,
          sizeof(*out->service_staff));
    for (size_t i = 0; i < out->record.n_services; i++)
        out->service_staff[i] = g->staff[g->role_of_program[out->record.services[i].program]];
    write_notes(g);
    write_contacts(g);
    return out;
}

int
demo_generate(const struct catalog *catalog, const struct policy *policy,
              const struct demo_options *options,
              int (*fn)(void *ctx, const struct demo_person *person), void *ctx,
              struct br_error *err)
{
    struct demo *g = NULL;
    int rc = demo_new(catalog, policy, options, &g, err);
    if (rc != 0)
        goto out;
    for (long i = 0; i < options->people; i++) {
        rc = fn(ctx, demo_make_person(g, options->first + i));
        if (rc != 0)
            goto out;
    }
out:
    demo_free(g);
    return rc;
}
