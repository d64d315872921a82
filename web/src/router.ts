import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { menu } from './menu'
import { session, loadMe, hasPermission } from './session'
import { setUnauthorizedHandler } from './api'

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('./components/AppLayout.vue'),
    children: [
      { path: '', name: 'home', component: () => import('./views/HomeView.vue'), meta: { title: 'menu.home' } },
      { path: 'password', name: 'password', component: () => import('./views/PasswordView.vue'), meta: { title: 'password.title' } },
      ...menu.map(
        (m): RouteRecordRaw => ({
          path: m.path.replace(/^\//, ''),
          component: m.component,
          meta: { title: m.title, permission: m.permission },
        }),
      ),
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue') },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
})

router.beforeEach(async (to) => {
  if (!session.loaded) {
    try {
      await loadMe()
    } catch {
      /* server unreachable: treat as signed out */
    }
  }
  if (to.meta.public) {
    if (to.name === 'login' && session.user) return { path: '/' }
    return true
  }
  if (!session.user) return { path: '/login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (session.user.must_change_password && to.name !== 'password') return { name: 'password' }
  const perm = to.meta.permission as string | undefined
  if (perm && !hasPermission(perm)) return { path: '/' }
  return true
})

setUnauthorizedHandler(() => {
  session.user = null
  const cur = router.currentRoute.value
  if (cur.name === 'login') return
  router.replace({ path: '/login', query: cur.fullPath && cur.fullPath !== '/' ? { redirect: cur.fullPath } : {} })
})
