// SPDX-License-Identifier: Apache-2.0
//
// The wordpress manifest against a real WordPress: Debian's package, on MariaDB in a
// temporary datadir, php-fpm and nginx with private configs, all started by the test on
// 127.0.0.1, installed and changed by tests/wordpress/wp-tool.php as an admin would.
// Posts that share a modified time across page boundaries, an edit in the cursor's
// second, posts trashed or made private, plain permalinks, wrong and right application
// passwords.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <coophub/fetch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "sync/sync.h"
#include "support/hub_process.h"

namespace coophub {
namespace {

using namespace std::chrono_literals;

namespace fs = std::filesystem;

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// One WordPress site and the servers under it, stopped when destroyed.
class WordPressSite {
 public:
  WordPressSite(const testing::TempDir& dir, bool pretty_permalinks)
      : dir_(dir.path() + "/wp"), port_(testing::FreePort()) {
    fs::create_directories(dir_ + "/root");
    fs::create_directories(dir_ + "/wp-content/uploads");
    if (!Start(pretty_permalinks)) Stop();
  }
  ~WordPressSite() { Stop(); }

  bool ready() const { return why_.empty(); }
  const std::string& why() const { return why_; }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& app_password() const { return app_password_; }
  std::string AccessLog() const { return testing::ReadAll(dir_ + "/access.log"); }

  // Runs a wp-tool.php command; its JSON answer (null when it failed, with why in the test log).
  json Tool(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"php", "-d", "auto_prepend_file=" + dir_ + "/prepend.php",
                                     std::string(COOPHUB_SOURCE_DIR) + "/tests/wordpress/wp-tool.php"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out, err;
    if (testing::RunCommand(argv, &out, &err) != 0) {
      ADD_FAILURE() << "wp-tool " << args[0] << " failed: " << err << out;
      return json();
    }
    json v = json::parse(out, nullptr, false);
    if (v.is_discarded()) ADD_FAILURE() << "wp-tool " << args[0] << " printed " << out;
    return v.is_discarded() ? json() : v;
  }

 private:
  bool Fail(std::string why) {
    why_ = std::move(why);
    return false;
  }

  bool Start(bool pretty) {
    for (const char* p :
         {"/usr/share/wordpress/wp-settings.php", "/usr/sbin/mariadbd", "/usr/sbin/nginx", "/usr/bin/php"})
      if (!fs::exists(p))
        return Fail(std::string("no ") + p +
                    ": scripts/install-deps.sh test installs WordPress, MariaDB, php-fpm and nginx");
    std::string fpm;
    for (const auto& e : fs::directory_iterator("/usr/sbin"))
      if (e.path().filename().string().rfind("php-fpm", 0) == 0) fpm = e.path().string();
    if (fpm.empty()) return Fail("no php-fpm in /usr/sbin: apt-get install php-fpm");
    bool root = geteuid() == 0;
    std::string user = root ? "root" : getpwuid(geteuid())->pw_name;
    std::string out, err;

    // MariaDB, on a socket only, with temporary files of its own: two sites set up at
    // once in the shared /tmp trip over each other's temporary tables.
    std::string tmp = dir_ + "/dbtmp";
    fs::create_directories(tmp);
    if (testing::RunCommand({"mariadb-install-db", "--no-defaults", "--datadir=" + dir_ + "/db", "--user=" + user,
                             "--auth-root-authentication-method=socket", "--skip-test-db", "--tmpdir=" + tmp},
                            &out, &err) != 0)
      return Fail("mariadb-install-db failed: " + err);
    std::string sock = dir_ + "/mysql.sock";
    if (!Spawn(&db_, {"mariadbd", "--no-defaults", "--datadir=" + dir_ + "/db", "--socket=" + sock, "--skip-networking",
                      "--user=" + user, "--pid-file=" + dir_ + "/mysql.pid", "--innodb-buffer-pool-size=16M",
                      "--tmpdir=" + tmp, "--log-error=" + dir_ + "/mysql.err"}))
      return Fail("mariadbd did not start");
    bool db_up = testing::PollFor(15s, [&] {
      out.clear();
      err.clear();
      return fs::exists(sock) &&
             testing::RunCommand({"mariadb", "-S", sock, "-u", user, "-e", "SELECT 1"}, &out, &err) == 0;
    });
    if (!db_up) return Fail("mariadbd did not answer on " + sock + ": " + testing::ReadAll(dir_ + "/mysql.err"));
    if (testing::RunCommand({"mariadb", "-S", sock, "-u", user, "-e",
                             "CREATE DATABASE wp; CREATE USER wp@localhost IDENTIFIED BY 'wp';"
                             " GRANT ALL ON wp.* TO wp@localhost;"},
                            &out, &err) != 0)
      return Fail("creating the database failed: " + err);

    // The site: Debian's WordPress with a wp-config.php of the test's own beside it (the
    // root links to everything else). PHP learns ABSPATH from the prepended file.
    for (const auto& e : fs::directory_iterator("/usr/share/wordpress")) {
      std::string name = e.path().filename().string();
      if (name != "wp-config.php" && name != "wp-content") fs::create_symlink(e.path(), dir_ + "/root/" + name);
    }
    std::string url = Url();
    WriteFile(dir_ + "/root/wp-config.php",
              "<?php\ndefine('DB_NAME', 'wp'); define('DB_USER', 'wp'); define('DB_PASSWORD', 'wp');\n"
              "define('DB_HOST', 'localhost:" +
                  sock +
                  "');\n"
                  "define('WP_HOME', '" +
                  url + "'); define('WP_SITEURL', '" + url +
                  "');\n"
                  "define('WP_CONTENT_DIR', '" +
                  dir_ +
                  "/wp-content');\n"
                  "define('WP_ENVIRONMENT_TYPE', 'local');  // application passwords without HTTPS\n"
                  "define('DISABLE_WP_CRON', true);\n"
                  "$table_prefix = 'wp_';\nrequire_once ABSPATH . 'wp-settings.php';\n");
    WriteFile(dir_ + "/prepend.php", "<?php define('ABSPATH', '" + dir_ + "/root/');\n");
    WriteFile(dir_ + "/fpm.conf", "[global]\npid = " + dir_ + "/fpm.pid\nerror_log = " + dir_ +
                                      "/fpm.log\ndaemonize = no\n"
                                      "[wp]\nlisten = " +
                                      dir_ +
                                      "/fpm.sock\npm = static\npm.max_children = 2\n"
                                      "php_admin_value[auto_prepend_file] = " +
                                      dir_ + "/prepend.php\ncatch_workers_output = yes\n");
    WriteFile(dir_ + "/nginx.conf",
              std::string(root ? "user root;\n" : "") + "daemon off;\nworker_processes 1;\npid " + dir_ +
                  "/nginx.pid;\nerror_log " + dir_ +
                  "/nginx.err warn;\n"
                  "events { worker_connections 64; }\nhttp {\n  access_log " +
                  dir_ +
                  "/access.log;\n"
                  "  client_body_temp_path " +
                  dir_ + "/nginx-body;\n  fastcgi_temp_path " + dir_ +
                  "/nginx-fastcgi;\n"
                  "  proxy_temp_path " +
                  dir_ + "/nginx-proxy;\n  uwsgi_temp_path " + dir_ +
                  "/nginx-uwsgi;\n"
                  "  scgi_temp_path " +
                  dir_ +
                  "/nginx-scgi;\n"
                  "  server {\n    listen 127.0.0.1:" +
                  std::to_string(port_) + ";\n    root " + dir_ +
                  "/root;\n"
                  "    index index.php;\n    location / { try_files $uri $uri/ /index.php?$args; }\n"
                  "    location ~ \\.php$ {\n      include /etc/nginx/fastcgi_params;\n"
                  "      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n"
                  "      fastcgi_pass unix:" +
                  dir_ + "/fpm.sock;\n    }\n  }\n}\n");
    std::vector<std::string> fpm_argv = {fpm, "-y", dir_ + "/fpm.conf", "-F"};
    if (root) fpm_argv.push_back("-R");
    if (!Spawn(&fpm_, fpm_argv)) return Fail("php-fpm did not start");
    if (!Spawn(&nginx_, {"/usr/sbin/nginx", "-c", dir_ + "/nginx.conf", "-p", dir_}))
      return Fail("nginx did not start");

    json installed = Tool({"install", "Pedal Coop", "admin", "Adm1n-pass!"});
    if (!installed.is_object()) return Fail("the WordPress install failed");
    app_password_ = installed["app_password"];
    if (pretty && Tool({"permalinks", "/%postname%/"}) != "/%postname%/") return Fail("setting permalinks failed");
    bool answers = testing::PollFor(15s, [&] {  // nginx and php-fpm
      HttpFetchRequest r;
      r.url = Url() + "/?rest_route=/";
      r.timeout_ms = 2000;
      return HttpFetch(r).status == 200;
    });
    if (answers) return true;
    return Fail("WordPress did not answer at " + Url() + ": " + testing::ReadAll(dir_ + "/nginx.err") +
                testing::ReadAll(dir_ + "/fpm.log"));
  }

  static bool Spawn(std::unique_ptr<Subprocess>* p, std::vector<std::string> argv) {
    *p = std::make_unique<Subprocess>();
    SpawnOptions o;
    o.argv = std::move(argv);
    if (!(*p)->Start(o).ok()) return false;
    (*p)->CloseStdin();
    return true;
  }

  void Stop() {
    for (auto* p : {&nginx_, &fpm_, &db_}) {
      if (!*p) continue;
      (*p)->Signal(SIGTERM);
      int64_t rss;
      (*p)->Wait(&rss);
      p->reset();
    }
  }

  std::string dir_;
  int port_;
  std::string why_, app_password_;
  std::unique_ptr<Subprocess> db_, fpm_, nginx_;
};

class WordPress : public ::testing::Test {
 protected:
  void Open(bool pretty = true) {
    site_ = std::make_unique<WordPressSite>(hub_.dir(), pretty);
    ASSERT_TRUE(site_->ready()) << site_->why();
  }
  SyncResult Sync(json extra = json::object(), const std::string& visibility = "public") {
    SourceConfig src;
    src.id = "blog";
    src.plugin = "http-json";
    src.visibility = visibility;
    src.config = {{"manifest", "wordpress"}, {"base_url", site_->Url()}, {"max_attempts", 1}};
    src.config.update(extra);
    return hub_.Sync(src);
  }
  json Credentials(const std::string& password) { return {{"username", "admin"}, {"password", password}}; }
  // Record id → its title, of the posts stream.
  std::map<std::string, std::string> Titles() {
    std::map<std::string, std::string> out;
    for (const auto& r : hub_.Records("blog")) out[r["id"]] = r.value("title", "");
    return out;
  }
  std::map<std::string, std::string> Visibility() {
    std::map<std::string, std::string> out;
    for (const auto& r : hub_.Records("blog")) out[r["id"]] = r["visibility"];
    return out;
  }
  std::string Logs(int64_t run_id) {
    std::string all;
    for (const auto& l : hub_.store().RunLogs(run_id).value()) all += l.level + ": " + l.message + "\n";
    return all;
  }
  static std::string Id(const json& v) { return std::to_string(v.get<int64_t>()); }

  testing::ScratchHub hub_;
  std::unique_ptr<WordPressSite> site_;
};

// 1. Seven posts imported at one time, read two and three a page: every one arrives, on
// the first sync and after it, wherever the page boundaries fall among the ties.
TEST_F(WordPress, PostsSharingAModifiedTimeAllArriveAcrossPages) {
  Open();
  json ids = site_->Tool({"posts", "7", "publish", "2026-11-20 09:00:00"});
  ASSERT_EQ(ids.size(), 7u);
  for (int size : {2, 3}) {
    SyncResult r = Sync({{"page_size", size}});
    ASSERT_TRUE(r.ok()) << r.run.message;
    std::map<std::string, std::string> titles = Titles();
    EXPECT_EQ(titles.size(), 8u) << "7 imported and Hello world!, read " << size << " a page";
    for (const auto& id : ids) EXPECT_TRUE(titles.count(Id(id))) << "post " << id << " at page size " << size;
  }
  // page_size reached WordPress as per_page.
  EXPECT_NE(site_->AccessLog().find("per_page=2"), std::string::npos);
  EXPECT_NE(site_->AccessLog().find("per_page=3"), std::string::npos);
}

// 2. An edit in the same second as the stored cursor: WordPress's modified_after is strict
// and to the second, so without the overlap it would never come.
TEST_F(WordPress, AnEditInTheCursorsSecondIsNotMissed) {
  Open();
  json ids = site_->Tool({"posts", "2", "publish", "2026-11-20 09:00:00"});
  ASSERT_EQ(ids.size(), 2u);
  ASSERT_TRUE(Sync().ok());
  json state = hub_.store().LoadState("blog").value()["posts"];
  ASSERT_TRUE(state.contains("cursor")) << state.dump();
  std::string cursor = state["cursor"];  // the newest `modified`, as WordPress writes it (local time)
  std::string id = Id(ids[0]);
  site_->Tool({"update", id, "post_title", "Edited in the same second"});
  std::string same_second = cursor.substr(0, 10) + " " + cursor.substr(11, 8);  // the site's zone is UTC
  site_->Tool({"set-modified", id, same_second});
  SyncResult r = Sync();
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(Titles()[id], "Edited in the same second") << "cursor " << cursor;
}

// 3. A post trashed, one made private: gone from the hub at the next full pass, not left
// public; until that pass (the incremental reads cannot see them go) they stay.
TEST_F(WordPress, TrashedAndPrivatePostsLeaveTheHubOnTheFullPass) {
  Open();
  json ids = site_->Tool({"posts", "3", "publish", "2026-11-20 09:00:00"});
  ASSERT_EQ(ids.size(), 3u);
  ASSERT_TRUE(Sync().ok());
  ASSERT_EQ(Titles().size(), 4u);
  site_->Tool({"update", Id(ids[0]), "post_status", "trash"});
  site_->Tool({"update", Id(ids[1]), "post_status", "private"});

  SyncResult incremental = Sync();
  ASSERT_TRUE(incremental.ok()) << incremental.run.message;
  EXPECT_EQ(Titles().size(), 4u) << "the daily full pass is not due yet";
  EXPECT_EQ(incremental.deleted, 0);

  SyncResult full = Sync({{"full_pass_every_s", 0}});
  ASSERT_TRUE(full.ok()) << full.run.message;
  std::map<std::string, std::string> titles = Titles();
  EXPECT_EQ(titles.size(), 2u);
  EXPECT_FALSE(titles.count(Id(ids[0]))) << "trashed";
  EXPECT_FALSE(titles.count(Id(ids[1]))) << "private, and these credentials (none) cannot see it";
  EXPECT_TRUE(titles.count(Id(ids[2])));
  EXPECT_EQ(full.deleted, 2);
}

// 4. A fresh install (plain permalinks) has no /wp-json/: its redirect loop is not retried
// as if the site were down, the run reads ?rest_route= instead, and says what to change.
TEST_F(WordPress, PlainPermalinksFallBackToRestRoute) {
  Open(/*pretty=*/false);
  SyncResult r = Sync({{"max_attempts", 4}});
  ASSERT_TRUE(r.ok()) << r.run.message;
  EXPECT_EQ(Titles().size(), 1u) << "Hello world!";
  std::string logs = Logs(r.run_id);
  EXPECT_NE(logs.find("redirects in a loop"), std::string::npos) << logs;
  EXPECT_NE(logs.find("?rest_route=/wp/v2/posts"), std::string::npos) << logs;
  EXPECT_NE(logs.find("Settings → Permalinks is on Plain"), std::string::npos) << logs;
  EXPECT_EQ(logs.find("retrying"), std::string::npos) << "a redirect loop is no transient failure: " << logs;

  std::string out, err;
  json cfg = {{"manifest", "wordpress"}, {"base_url", site_->Url()}};
  EXPECT_EQ(testing::RunCommand({COOPHUB_BINARY, "check", "http-json", "--config", cfg.dump()}, &out, &err), 0)
      << out << err;
}

// 4. A wrong application password fails check (the posts list alone would answer anyone);
// the right one fetches drafts and private posts too, each as visible as its status.
TEST_F(WordPress, CredentialsAreCheckedAndBringWhatTheyAreFor) {
  Open();
  json published = site_->Tool({"posts", "1", "publish", "2026-11-20 09:00:00"});
  json drafts = site_->Tool({"posts", "1", "draft", "2026-11-20 09:00:00"});
  json secret = site_->Tool({"posts", "1", "private", "2026-11-20 09:00:00"});
  ASSERT_TRUE(published.is_array() && drafts.is_array() && secret.is_array());

  std::string out, err;
  json cfg = {{"manifest", "wordpress"}, {"base_url", site_->Url()}, {"username", "admin"}, {"password", "wrong pass"}};
  EXPECT_EQ(testing::RunCommand({COOPHUB_BINARY, "check", "http-json", "--config", cfg.dump()}, &out, &err), 1);
  EXPECT_NE((out + err).find("/users/me: the credentials were refused; create an application password"),
            std::string::npos)
      << out << err;
  EXPECT_EQ((out + err).find("wrong pass"), std::string::npos) << "the password is never shown";
  cfg["password"] = site_->app_password();
  out.clear();
  err.clear();
  EXPECT_EQ(testing::RunCommand({COOPHUB_BINARY, "check", "http-json", "--config", cfg.dump()}, &out, &err), 0)
      << out << err;
  EXPECT_NE(out.find("the credentials were accepted"), std::string::npos) << out;

  SyncResult anonymous = Sync();
  ASSERT_TRUE(anonymous.ok()) << anonymous.run.message;
  EXPECT_EQ(Titles().size(), 2u) << "without credentials: the published ones";

  SyncResult r = Sync(Credentials(site_->app_password()));
  ASSERT_TRUE(r.ok()) << r.run.message;
  std::map<std::string, std::string> vis = Visibility();
  EXPECT_EQ(vis.size(), 4u);
  EXPECT_EQ(vis[Id(published[0])], "public");
  EXPECT_EQ(vis[Id(drafts[0])], "admins");
  EXPECT_EQ(vis[Id(secret[0])], "members");
}

}  // namespace
}  // namespace coophub
